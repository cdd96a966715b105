package controller

// This file owns the second half of a sync: planning and guarding, applying the plan in batches,
// and recording per-member outcomes (events, metrics, status.failures with backoff).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/metrics"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

const (
	maxFailures     = 50
	failureBackoff  = 5 * time.Minute
	maxFailureDelay = 6 * time.Hour
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
			if wait, err := s.take(ctx); err != nil || wait > 0 {
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

// reportConfirmed reports the changes whose outcome the provider did not give (Unknown) once a
// read shows them made, so that events and metrics count them too.
func (s *groupSync) reportConfirmed(changes []sentChange) {
	live := s.live.Index()
	byOp := map[roster.Op][]roster.Phone{}
	for _, c := range changes {
		p, present := live[c.Member]
		made := map[roster.Op]bool{
			roster.OpAdd:     present,
			roster.OpPromote: present && p.Role.IsAdmin(),
			roster.OpDemote:  present && !p.Role.IsAdmin(),
			roster.OpRemove:  !present,
		}[c.Op]
		if !c.reported && made {
			byOp[c.Op] = append(byOp[c.Op], c.Member)
		}
	}
	for _, st := range s.steps() {
		slices.Sort(byOp[st.op])
		s.reportApplied(st.op, st.event, st.verb, byOp[st.op], " (the provider gave no outcome; a read confirms it)")
	}
}

// step is one kind of change with the words that report it.
type step struct {
	op          roster.Op
	event, verb string
}

// steps are the kinds of change in the order a sync applies them.
func (s *groupSync) steps() []step {
	return []step{
		{roster.OpAdd, whatsappv1.EventMemberAdded, "added"},
		{roster.OpPromote, whatsappv1.EventAdminPromoted, "promoted"},
		{roster.OpDemote, whatsappv1.EventAdminDemoted, "demoted"},
		{roster.OpRemove, whatsappv1.EventMemberRemoved, "removed"},
	}
}

// reportApplied counts changes made and emits their event; note, if any, follows the count.
func (s *groupSync) reportApplied(op roster.Op, reason, verb string, members []roster.Phone, note string) {
	if len(members) == 0 {
		return
	}
	metrics.ChangesApplied.WithLabelValues(metrics.KindLabel(op)).Add(float64(len(members)))
	s.event(corev1.EventTypeNormal, reason, "%s %d%s: %s", verb, len(members), note, listNumbers(members, 20))
}

// held are the members whose last add failed terminally and whose backoff has not ended. A spec
// change or a requested reconcile retries them all.
func (s *groupSync) held() map[roster.Phone]bool {
	if s.g.Status.ObservedGeneration != s.g.Generation || s.reconcileRequested() {
		return nil
	}
	h := map[roster.Phone]bool{}
	for _, f := range s.g.Status.Failures {
		if f.Operation == string(roster.OpAdd) && f.RetryAfter != nil && s.now.Before(f.RetryAfter.Time) {
			if p, err := roster.Normalize(f.Member); err == nil {
				h[p] = true
			}
		}
	}
	return h
}

// unconfirmedAdds turns adds that the provider accepted but that a read past its lag still
// does not show into failures that back off (and holds them), so that a refusal the provider
// hid (GOWA, QuickGateway report no per-member codes) is not re-sent on every sync. When the
// spec changed or a reconcile was requested (hold is nil), they are retried instead.
func (s *groupSync) unconfirmedAdds(expired []sentChange, hold map[roster.Phone]bool) {
	present := s.live.Index()
	for _, c := range expired {
		if _, in := present[c.Member]; c.Op != roster.OpAdd || in || hold == nil {
			continue
		}
		s.recordFailure(roster.OpAdd, provider.Outcome{Member: c.Member, Result: provider.ResultNotConfirmed,
			Message: "the provider accepted the add but the member has not appeared; they may only accept an invite, or not be on WhatsApp"})
		hold[c.Member] = true
	}
}

// reconcileRequested reports whether the reconcile-requested-at annotation carries a value not
// handled yet.
func (s *groupSync) reconcileRequested() bool {
	v, ok := s.g.Annotations[whatsappv1.ReconcileRequestedAtAnnotation]
	return ok && v != s.g.Status.LastHandledReconcileAt
}

func (s *groupSync) recordFailure(op roster.Op, o provider.Outcome) {
	var f *whatsappv1.MemberFailure
	for i := range s.g.Status.Failures {
		if s.g.Status.Failures[i].Member == o.Member.E164() && s.g.Status.Failures[i].Operation == string(op) {
			f = &s.g.Status.Failures[i]
		}
	}
	if f == nil {
		s.g.Status.Failures = append([]whatsappv1.MemberFailure{{Member: o.Member.E164(), Operation: string(op)}}, s.g.Status.Failures...)
		f = &s.g.Status.Failures[0]
	}
	f.Reason = string(o.Result)
	f.Message = o.Message
	f.LastSeen = metav1.NewTime(s.now)
	f.Attempts++
	delay := min(failureBackoff<<min(f.Attempts-1, 10), maxFailureDelay)
	retry := metav1.NewTime(s.now.Add(delay))
	f.RetryAfter = &retry
	if len(s.g.Status.Failures) > maxFailures {
		s.g.Status.Failures = s.g.Status.Failures[:maxFailures]
	}
	s.event(corev1.EventTypeWarning, whatsappv1.EventProviderError, "could not %s %s: %s %s; retrying after %s", strings.ToLower(string(op)), o.Member.E164(), o.Result, o.Message, delay)
}

func (s *groupSync) clearFailure(op roster.Op, m roster.Phone) {
	s.g.Status.Failures = slices.DeleteFunc(s.g.Status.Failures, func(f whatsappv1.MemberFailure) bool {
		return f.Member == m.E164() && f.Operation == string(op)
	})
}

// pruneFailures drops failures of members no longer declared, and adds now present.
func (s *groupSync) pruneFailures(in plan.Input) {
	declared := unionSet(in.Members, in.Admins)
	present := s.live.Index()
	s.g.Status.Failures = slices.DeleteFunc(s.g.Status.Failures, func(f whatsappv1.MemberFailure) bool {
		p, err := roster.Normalize(f.Member)
		if err != nil || !declared[p] {
			return true
		}
		_, in := present[p]
		return f.Operation == string(roster.OpAdd) && in
	})
	if len(s.g.Status.Failures) == 0 {
		s.g.Status.Failures = nil
	}
}

// protectedSummary says why participants were left alone, most common reason first.
func protectedSummary(ps []plan.Protected) string {
	words := map[plan.ProtectReason]string{
		plan.ProtectCreator:     "the group's creator",
		plan.ProtectSelf:        "the provider's own account",
		plan.ProtectUnresolved:  "identities not resolved to a number",
		plan.ProtectUnknownSelf: "admins, because the provider does not say which participant is its own account",
	}
	count := map[plan.ProtectReason]int{}
	for _, p := range ps {
		count[p.Reason]++
	}
	var parts []string
	for _, r := range []plan.ProtectReason{plan.ProtectCreator, plan.ProtectSelf, plan.ProtectUnresolved, plan.ProtectUnknownSelf} {
		if count[r] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[r], words[r]))
		}
	}
	return strings.Join(parts, "; ")
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

func pending(p plan.Plan) *whatsappv1.PendingChanges {
	e := func(ps []roster.Phone) []string {
		if len(ps) == 0 {
			return nil
		}
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.E164()
		}
		return out
	}
	return &whatsappv1.PendingChanges{Add: e(p.Add), Promote: e(p.Promote), Demote: e(p.Demote), Remove: e(p.Remove)}
}

func summary(p plan.Plan) string {
	return fmt.Sprintf("%d adds, %d promotions, %d demotions, %d removals", len(p.Add), len(p.Promote), len(p.Demote), len(p.Remove))
}

func listNumbers(ps []roster.Phone, most int) string {
	var b strings.Builder
	for i, p := range ps {
		if i == most {
			fmt.Fprintf(&b, " and %d more", len(ps)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.E164())
	}
	return b.String()
}
