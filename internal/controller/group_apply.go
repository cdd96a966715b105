package controller

// This file owns the second half of a sync: planning and guarding, and applying the plan in
// batches (group_failures.go and group_report.go record what came of it).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

// planAndGuard computes the plan and settles the sync when nothing is to be written. A settled
// sync that must be retried with backoff leaves s.retryErr set.
func (s *groupSync) planAndGuard() (reconcile.Result, bool) {
	spec := s.g.Spec
	inFlight, expired := s.r.inFlight.take(s.key(), s.now, s.conn.ReadLag)
	in := plan.Input{
		Members:          phones(spec.Members),
		Admins:           phones(spec.Admins),
		Live:             s.live,
		RemoveUndeclared: spec.MembershipPolicy == whatsappv1.MembershipSync,
		DemoteUnlisted:   spec.AdminPolicy != whatsappv1.AdminPromoteOnly,
		Hold:             s.held(),
		InFlight:         inFlight,
	}
	s.unconfirmedAdds(expired, in.Hold)

	s.plan = plan.Compute(in)
	dropped, awaitedSyncs := s.r.inFlight.settle(s.key(), s.plan.Awaiting)
	s.reportConfirmed(append(expired, dropped...))
	s.pruneFailures(in)
	s.g.Status.DeclaredMembers = int32(len(unionSet(in.Members, in.Admins)))
	s.g.Status.PresentMembers = int32(len(s.live.Participants))
	s.g.Status.Admins = int32(s.live.Admins())
	s.g.Status.Pending = nil

	err := plan.Guard(s.plan, s.live, limits(spec.Safety))
	var blocked *plan.Blocked
	switch {
	case errors.As(err, &blocked) && blocked.Reason == plan.BlockRosterUnknown:
		s.setReady(metav1.ConditionFalse, whatsappv1.ReasonRosterUnknown, blocked.Message)
		s.setCondition(whatsappv1.ConditionReconciling, whatsappv1.ReasonRosterUnknown, "reading again with backoff")
		s.retryErr = fmt.Errorf("group %s/%s: %s", s.g.Namespace, s.g.Name, blocked.Message)
		return reconcile.Result{}, true
	case errors.As(err, &blocked):
		s.g.Status.Pending = pending(s.plan)
		reason := whatsappv1.ReasonSafetyGuard
		if blocked.Reason == plan.BlockNotAdmin {
			reason = whatsappv1.ReasonNotGroupAdmin
		}
		s.event(corev1.EventTypeWarning, whatsappv1.EventSyncBlocked, "%s", blocked.Message)
		s.stalled(reason, blocked.Message+" (status.pending lists the blocked changes)")
		return reconcile.Result{RequeueAfter: jitter(s.interval())}, true
	case s.plan.Empty() && len(s.plan.Awaiting) > 0:
		// Sent, not yet visible: read again later, backing off up to the provider's lag.
		msg := fmt.Sprintf("waiting for the provider to show %d changes already sent", len(s.plan.Awaiting))
		s.setReady(metav1.ConditionFalse, whatsappv1.ReasonApplying, msg)
		s.setCondition(whatsappv1.ConditionReconciling, whatsappv1.ReasonApplying, msg)
		s.clear(whatsappv1.ConditionStalled)
		return reconcile.Result{RequeueAfter: min(s.r.ConfirmAfter<<min(awaitedSyncs, 10), max(s.conn.ReadLag, s.r.ConfirmAfter))}, true
	case s.plan.Empty():
		s.settleInSync()
		return reconcile.Result{RequeueAfter: s.nextCheck()}, true
	case spec.DryRun:
		s.g.Status.Pending = pending(s.plan)
		s.setReady(metav1.ConditionFalse, whatsappv1.ReasonDryRun, "dry run: "+summary(s.plan)+" pending; see status.pending")
		s.clear(whatsappv1.ConditionReconciling, whatsappv1.ConditionStalled)
		return reconcile.Result{RequeueAfter: jitter(s.interval())}, true
	}
	return reconcile.Result{}, false
}

// settleInSync records a sync that found nothing to write.
func (s *groupSync) settleInSync() {
	s.clear(whatsappv1.ConditionReconciling)
	if len(s.plan.Held) > 0 {
		msg := fmt.Sprintf("%d declared members could not be added and need a person (see status.failures)", len(s.plan.Held))
		s.setReady(metav1.ConditionFalse, whatsappv1.ReasonMemberFailures, msg)
		s.setCondition(whatsappv1.ConditionStalled, whatsappv1.ReasonMemberFailures, msg)
		return
	}
	s.clear(whatsappv1.ConditionStalled)
	now := metav1.NewTime(s.now)
	s.g.Status.LastSuccessfulSyncTime = &now
	msg := "the live group matches the spec"
	if n := len(s.plan.Protected); n > 0 {
		msg += fmt.Sprintf("; %d participants are left alone (%s)", n, protectedSummary(s.plan.Protected))
	}
	s.setReady(metav1.ConditionTrue, whatsappv1.ReasonInSync, msg)
}

// nextCheck is the interval, or sooner when a held member's backoff ends first.
func (s *groupSync) nextCheck() time.Duration {
	next := jitter(s.interval())
	for _, f := range s.g.Status.Failures {
		if f.RetryAfter != nil {
			if d := f.RetryAfter.Sub(s.now); d > 0 && d < next {
				next = d
			}
		}
	}
	return next
}

// apply sends the plan in batches, in the order add, promote, demote, remove. A batch that the
// provider refuses as a whole is split in halves until the member(s) it refuses are isolated,
// so that one bad number never blocks the rest.
func (s *groupSync) apply(ctx context.Context) (reconcile.Result, error) {
	planned := map[roster.Op][]roster.Phone{
		roster.OpAdd: s.plan.Add, roster.OpPromote: s.plan.Promote, roster.OpDemote: s.plan.Demote, roster.OpRemove: s.plan.Remove,
	}
	failedAdds := map[roster.Phone]bool{}
	s.written = 0
	for _, step := range s.steps() {
		members := slices.DeleteFunc(slices.Clone(planned[step.op]), func(m roster.Phone) bool { return failedAdds[m] })
		queue := slices.Collect(slices.Chunk(members, s.conn.MaxBatch))
		var done []roster.Phone
		for len(queue) > 0 {
			batch := queue[0]
			queue = queue[1:]
			if wait, err := s.take(ctx, 1); err != nil || wait > 0 {
				s.reportApplied(step.op, step.event, step.verb, done, "")
				s.applying("waiting for the account's rate limit")
				return reconcile.Result{RequeueAfter: wait}, err
			}
			outcomes, err := s.conn.Client.Change(ctx, s.g.Spec.GroupID, step.op, batch)
			switch {
			case errors.Is(err, provider.ErrInvalidRequest) && len(batch) > 1:
				half := len(batch) / 2
				queue = append([][]roster.Phone{batch[:half], batch[half:]}, queue...)
				continue
			case errors.Is(err, provider.ErrInvalidRequest):
				outcomes = []provider.Outcome{{Member: batch[0], Result: provider.ResultRejected, Message: err.Error()}}
			case err != nil:
				s.reportApplied(step.op, step.event, step.verb, done, "")
				return s.providerFailed(err)
			}
			for _, o := range s.record(step.op, outcomes) {
				if step.op == roster.OpAdd && o.Result.Terminal() {
					failedAdds[o.Member] = true
				}
				if o.Result == provider.ResultApplied {
					done = append(done, o.Member)
				}
			}
		}
		s.reportApplied(step.op, step.event, step.verb, done, "")
	}
	s.applying("confirming with a fresh read")
	return reconcile.Result{RequeueAfter: s.r.ConfirmAfter}, nil
}

// record notes one call's outcomes: failures for a person, and the changes now in flight.
func (s *groupSync) record(op roster.Op, outcomes []provider.Outcome) []provider.Outcome {
	s.written += len(outcomes)
	var applied, unknown []roster.Change
	for _, o := range outcomes {
		if o.Result.Terminal() {
			s.recordFailure(op, o)
			continue
		}
		s.clearFailure(op, o.Member)
		switch o.Result {
		case provider.ResultApplied:
			applied = append(applied, roster.Change{Op: op, Member: o.Member})
		case provider.ResultUnknown:
			unknown = append(unknown, roster.Change{Op: op, Member: o.Member})
		}
	}
	now := time.Now()
	s.r.inFlight.record(s.key(), now, applied, true)
	s.r.inFlight.record(s.key(), now, unknown, false)
	return outcomes
}

func (s *groupSync) applying(next string) {
	msg := fmt.Sprintf("sent %d of %s; %s", s.written, summary(s.plan), next)
	s.setReady(metav1.ConditionFalse, whatsappv1.ReasonApplying, msg)
	s.setCondition(whatsappv1.ConditionReconciling, whatsappv1.ReasonApplying, msg)
	s.clear(whatsappv1.ConditionStalled)
}

func limits(s whatsappv1.Safety) plan.Limits {
	l := plan.Limits{MaxRemovalPercent: 25, MinAdmins: 1}
	if s.MaxRemovalPercent != nil {
		l.MaxRemovalPercent = int(*s.MaxRemovalPercent)
	}
	if s.MinAdmins != nil {
		l.MinAdmins = int(*s.MinAdmins)
	}
	return l
}

// phones converts spec numbers, validated at admission; a number that still fails is skipped.
func phones(e164 []string) []roster.Phone {
	out := make([]roster.Phone, 0, len(e164))
	for _, n := range e164 {
		if p, err := roster.Normalize(n); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func unionSet(a, b []roster.Phone) map[roster.Phone]bool {
	m := make(map[roster.Phone]bool, len(a)+len(b))
	for _, p := range a {
		m[p] = true
	}
	for _, p := range b {
		m[p] = true
	}
	return m
}
