package controller

// This file owns how a sync writes conditions and events on its group.

import (
	"fmt"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

func (s *groupSync) setCondition(t, reason, msg string) {
	apimeta.SetStatusCondition(&s.g.Status.Conditions, metav1.Condition{
		Type: t, Status: metav1.ConditionTrue, Reason: reason, Message: msg, ObservedGeneration: s.g.Generation,
	})
}

func (s *groupSync) setReady(status metav1.ConditionStatus, reason, msg string) {
	apimeta.SetStatusCondition(&s.g.Status.Conditions, metav1.Condition{
		Type: whatsappv1.ConditionReady, Status: status, Reason: reason, Message: msg, ObservedGeneration: s.g.Generation,
	})
}

// clear removes abnormal-true conditions that no longer hold, as kstatus expects.
func (s *groupSync) clear(types ...string) {
	for _, t := range types {
		apimeta.RemoveStatusCondition(&s.g.Status.Conditions, t)
	}
}

// stalled marks the group as blocked on something a person must fix.
func (s *groupSync) stalled(reason, msg string) {
	s.setReady(metav1.ConditionFalse, reason, msg)
	s.setCondition(whatsappv1.ConditionStalled, reason, msg)
	s.clear(whatsappv1.ConditionReconciling)
}

func (s *groupSync) event(eventType, reason, format string, args ...any) {
	if s.r.Recorder == nil {
		return
	}
	s.r.Recorder.Eventf(s.g, nil, eventType, reason, "Sync", "%s", fmt.Sprintf(format, args...))
}
