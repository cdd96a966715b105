package controller

// This file owns how a sync's outcome becomes the group's conditions: phases say what came of
// the sync (settle), and summarize turns that into Ready, Reconciling and Stalled in one place,
// as kstatus reads them.

import (
	"fmt"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

// state is what kind of outcome a sync reached.
type state int

const (
	// unsettled: the sync stopped before learning anything new (say, waiting for a token);
	// the conditions stay as they were.
	unsettled state = iota
	// inSync: the live group matches the spec (Ready).
	inSync
	// progressing: changes are in flight or the sync waits for time to pass (Reconciling).
	progressing
	// waiting: the group waits for something else to become ready, such as its provider.
	waiting
	// stalled: a person must act (Stalled).
	stalled
	// idle: nothing is pending but nothing is in progress either, such as a dry run.
	idle
)

// outcome is what one sync came to.
type outcome struct {
	state           state
	reason, message string
}

// settle records the sync's outcome; the last one set wins.
func (s *groupSync) settle(st state, reason, format string, args ...any) {
	s.out = outcome{state: st, reason: reason, message: fmt.Sprintf(format, args...)}
}

// summarize writes the conditions that the outcome implies.
func (s *groupSync) summarize() {
	o := s.out
	if o.state == unsettled {
		return
	}
	conds := &s.g.Status.Conditions
	set := func(t string, status metav1.ConditionStatus) {
		apimeta.SetStatusCondition(conds, metav1.Condition{Type: t, Status: status, Reason: o.reason, Message: o.message, ObservedGeneration: s.g.Generation})
	}
	ready := metav1.ConditionFalse
	if o.state == inSync {
		ready = metav1.ConditionTrue
	}
	set(whatsappv1.ConditionReady, ready)
	// Abnormal-true conditions are removed, not set False, when they no longer hold.
	if o.state == progressing {
		set(whatsappv1.ConditionReconciling, metav1.ConditionTrue)
	} else {
		apimeta.RemoveStatusCondition(conds, whatsappv1.ConditionReconciling)
	}
	if o.state == stalled {
		set(whatsappv1.ConditionStalled, metav1.ConditionTrue)
	} else {
		apimeta.RemoveStatusCondition(conds, whatsappv1.ConditionStalled)
	}
}

func (s *groupSync) event(eventType, reason, format string, args ...any) {
	if s.r.Recorder == nil {
		return
	}
	s.r.Recorder.Eventf(s.g, nil, eventType, reason, "Sync", "%s", fmt.Sprintf(format, args...))
}
