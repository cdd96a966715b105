package controller

// This file owns the second half of a sync: planning and guarding, and applying the plan in
// batches through the account's budgets, each batch recorded in status before its call and
// sent only while the group, its provider and their Secret still exist.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/metrics"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
	"github.com/wagov/wagov/internal/roster"
)

// planAndGuard computes the plan and settles the sync when nothing is to be written.
func planAndGuard(_ context.Context, s *groupSync) (reconcile.Result, error) {
	spec := s.g.Spec
	in := s.planInput()
	s.plan = plan.Compute(in)
	s.keepNeeded(s.plan.Needed())
	s.g.Status.DeclaredMembers = int32(s.plan.Declared)
	s.g.Status.Pending = nil

	err := plan.Guard(s.plan, s.live, limits(spec.Safety))
	var blocked *plan.Blocked
	switch {
	case errors.As(err, &blocked):
		s.g.Status.Pending = pending(s.plan)
		reason := whatsappv1.ReasonSafetyGuard
		if blocked.Reason == plan.BlockNotAdmin {
			reason = whatsappv1.ReasonNotGroupAdmin
		}
		s.event(corev1.EventTypeWarning, whatsappv1.EventSyncBlocked, "%s", blocked.Message)
		s.settle(stalled, reason, "%s (status.pending lists the blocked changes)", blocked.Message)
		return s.recheck(), nil
	case s.plan.Empty() && len(s.plan.Awaiting) > 0:
		msg := fmt.Sprintf("waiting for the provider to show %d changes already sent", len(s.plan.Awaiting))
		s.settle(progressing, whatsappv1.ReasonApplying, "%s", msg)
		return reconcile.Result{RequeueAfter: s.nextConfirm()}, nil
	case s.plan.Empty():
		s.settleInSync()
		return reconcile.Result{RequeueAfter: s.nextCheck()}, nil
	case spec.DryRun:
		s.g.Status.Pending = pending(s.plan)
		s.settle(idle, whatsappv1.ReasonDryRun, "dry run: %s pending; see status.pending", summary(s.plan))
		return s.recheck(), nil
	}
	return reconcile.Result{}, nil
}

// planInput is what the plan is computed from: the declared roster, the live group (its
// rewritten numbers already carrying their declared form), the policies, the changes backing
// off and those in flight.
func (s *groupSync) planInput() plan.Input {
	return plan.Input{
		Members:          s.members,
		Admins:           s.admins,
		Live:             s.live,
		RemoveUndeclared: s.g.Spec.MembershipPolicy == whatsappv1.MembershipSync,
		DemoteUnlisted:   s.g.Spec.AdminPolicy != whatsappv1.AdminPromoteOnly,
		Hold:             s.held(),
		InFlight:         s.inFlight(),
	}
}

// nextConfirm is when to read again while changes are awaited: reads space out as the changes
// age (doubling), and one falls right after the oldest change's confirm window ends.
func (s *groupSync) nextConfirm() time.Duration {
	window := s.confirmWindow()
	newest, oldest := time.Time{}, s.now
	for _, sc := range s.g.Status.InFlight {
		newest = later(newest, sc.SentAt.Time)
		if sc.SentAt.Time.Before(oldest) {
			oldest = sc.SentAt.Time
		}
	}
	next := max(s.r.ConfirmAfter, s.now.Sub(newest))
	if untilJudged := oldest.Add(window).Sub(s.now) + s.r.ConfirmAfter/4; untilJudged > 0 {
		next = min(next, untilJudged)
	}
	return min(max(next, s.r.ConfirmAfter/4), s.interval())
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// settleInSync records a sync that found nothing to write.
func (s *groupSync) settleInSync() {
	if len(s.plan.Held) > 0 {
		reason, what := whatsappv1.ReasonMemberFailures, "could not be made and need a person"
		for _, f := range s.g.Status.Failures {
			if f.Reason == string(provider.ResultNotTakingEffect) {
				reason, what = whatsappv1.ReasonChangesNotTakingEffect, "were accepted by the provider but did not take effect, or need a person"
			}
		}
		s.settle(stalled, reason, "%d changes %s; they back off (see status.failures)", len(s.plan.Held), what)
		return
	}
	now := metav1.NewTime(s.now)
	s.g.Status.LastSuccessfulSyncTime = &now
	msg := "the live group matches the spec"
	if n := len(s.plan.Protected); n > 0 {
		msg += fmt.Sprintf("; %d participants are left alone (%s)", n, protectedSummary(s.plan.Protected))
	}
	s.settle(inSync, whatsappv1.ReasonInSync, "%s", msg)
}

// nextCheck is the interval, or sooner when a held change's backoff ends first.
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

// batch is one write call's changes; paid says its call's token is taken.
type batch struct {
	op      roster.Op
	members []roster.Phone
	paid    bool
}

// apply sends the plan in batches, in the order add, promote, demote, remove: it reserves the
// batches the account's budgets allow, records them all in status.inFlight with one write,
// and sends them. A batch that the provider refuses as a whole is split in halves until the
// member(s) it refuses are isolated, so that one bad number never blocks the rest.
func apply(ctx context.Context, s *groupSync) (reconcile.Result, error) {
	queue, res, err := s.reserve(ctx)
	if len(queue) == 0 {
		return res, err
	}
	// Whatever is still queued when the sync stops was not sent: its budget goes back.
	defer func() { s.giveBack(queue) }()
	if err := s.writeAhead(ctx, queue); err != nil {
		if errors.Is(err, errGone) {
			s.settle(progressing, whatsappv1.ReasonApplying, "nothing sent: %v; reading again", err)
			return reconcile.Result{RequeueAfter: s.r.ConfirmAfter}, nil
		}
		s.settle(progressing, whatsappv1.ReasonApplying, "nothing sent: the changes could not be recorded in status first; retrying with backoff")
		return reconcile.Result{}, err
	}
	failedAdds := map[roster.Phone]bool{}
	done := map[roster.Op][]roster.Phone{}
	defer func() {
		for _, st := range s.steps() {
			s.reportApplied(st, done[st.op], "")
		}
	}()
	for first := true; len(queue) > 0; first = false {
		b := queue[0]
		if b.op == roster.OpPromote {
			// A member whose add was refused is not promoted.
			var keep []roster.Phone
			for _, m := range b.members {
				if failedAdds[m] {
					s.unmark(b.op, []roster.Phone{m})
				} else {
					keep = append(keep, m)
				}
			}
			b.members = keep
		}
		if len(b.members) == 0 {
			queue = queue[1:]
			s.giveBack([]batch{b})
			continue
		}
		if !first {
			if err := s.stillThere(ctx); err != nil {
				if errors.Is(err, errGone) {
					return reconcile.Result{RequeueAfter: s.r.ConfirmAfter}, nil
				}
				return reconcile.Result{}, err
			}
		}
		if !b.paid {
			if wait, err := s.conn.Account.Take(ctx, 1, s.r.MaxTokenWait); err != nil || wait > 0 {
				s.applying("waiting for the account's rate limit")
				return reconcile.Result{RequeueAfter: wait}, err
			}
		}
		queue = queue[1:]
		// The token taken for the batch pays for the call's first request.
		outcomes, err := s.conn.Client.Change(httpx.Prepaid(ctx, 1), s.g.Spec.GroupID, b.op, b.members)
		s.conn.Account.Wrote()
		if res, held := s.waitForBudget(err); held {
			// A type that makes more than one request per write ran out of budget mid-call.
			s.callFailed(b.op, b.members, err)
			s.applying("waiting for the account's rate limit")
			return res, nil
		}
		switch {
		case errors.Is(err, provider.ErrInvalidRequest) && len(b.members) > 1:
			half := len(b.members) / 2
			queue = append([]batch{{op: b.op, members: b.members[:half]}, {op: b.op, members: b.members[half:]}}, queue...)
			continue
		case errors.Is(err, provider.ErrInvalidRequest):
			outcomes = []provider.Outcome{{Member: b.members[0], Result: provider.ResultRejected, Message: err.Error()}}
		case err != nil:
			s.callFailed(b.op, b.members, err)
			return s.providerFailed(err)
		}
		s.conn.Account.Answered()
		applied, overlimit := s.record(b.op, outcomes)
		done[b.op] = append(done[b.op], applied...)
		for _, o := range outcomes {
			if b.op == roster.OpAdd && o.Result.Terminal() {
				failedAdds[o.Member] = true
			}
		}
		if overlimit {
			d := s.conn.Account.Overlimited()
			s.event(corev1.EventTypeWarning, whatsappv1.EventRateLimited, "WhatsApp answered rate-overlimit for members of this batch; every write on the account pauses for %s", d.Round(time.Second))
			s.settle(progressing, whatsappv1.ReasonRateLimited, "WhatsApp said the account sends too fast (rate-overlimit); the account pauses for %s", d.Round(time.Second))
			return reconcile.Result{RequeueAfter: d}, nil
		}
	}
	s.applying("confirming with a fresh read")
	return reconcile.Result{RequeueAfter: s.r.ConfirmAfter}, nil
}

// reserve takes the account's budgets for the plan's batches: the adds' pace first (while some
// adds must wait, this sync sends only adds, since promotions may be of members still to be
// added), then one call's token for each batch, as many as come within MaxTokenWait, waiting
// in place for them. It returns no batch, and when to come back, when none can go now.
func (s *groupSync) reserve(ctx context.Context) ([]batch, reconcile.Result, error) {
	acct := s.conn.Account
	if until, reason, blocked := acct.WritesBlocked(); blocked {
		s.settle(progressing, whatsappv1.ReasonWritesPaused, "writes on this account are paused until %s: %s", until.UTC().Format(time.RFC3339), reason)
		return nil, reconcile.Result{RequeueAfter: min(time.Until(until)+time.Second, jitter(s.interval()))}, nil
	}
	adds, others := s.plan.Add, [][]roster.Phone{s.plan.Promote, s.plan.Demote, s.plan.Remove}
	if len(adds) > 0 {
		n, wait, err := acct.TakeAdds(ctx, len(adds), s.r.MaxTokenWait)
		if err != nil || wait > 0 {
			s.applying("pacing adds (the account's addRateLimit)")
			return nil, reconcile.Result{RequeueAfter: wait}, err
		}
		if n < len(adds) {
			adds, others = adds[:n], nil
		}
	}
	var queue []batch
	for i, members := range append([][]roster.Phone{adds}, others...) {
		op := []roster.Op{roster.OpAdd, roster.OpPromote, roster.OpDemote, roster.OpRemove}[i]
		for chunk := range slices.Chunk(members, s.conn.Batch(op)) {
			queue = append(queue, batch{op: op, members: chunk})
		}
	}
	n, wait, err := acct.TakeUpTo(ctx, len(queue), s.r.MaxTokenWait)
	if err != nil || n == 0 || wait > 0 {
		acct.ReturnAdds(len(adds))
		if wait > 0 {
			metrics.RateLimitWaits.WithLabelValues(s.conn.Type, "bucket").Inc()
		}
		s.applying("waiting for the account's rate limit")
		return nil, reconcile.Result{RequeueAfter: wait}, err
	}
	s.giveBack(queue[n:])
	for i := range queue[:n] {
		queue[i].paid = true
	}
	return queue[:n], reconcile.Result{}, nil
}

// giveBack returns the budgets of batches that were reserved but not sent.
func (s *groupSync) giveBack(unsent []batch) {
	acct := s.conn.Account
	for _, b := range unsent {
		if b.paid {
			acct.Return(1)
		}
		if b.op == roster.OpAdd {
			acct.ReturnAdds(len(b.members))
		}
		s.unmark(b.op, b.members)
	}
}

// errGone says the group, its provider or their Secret went away or changed mid-sync.
var errGone = errors.New("changed or deleted during the sync")

// writeAhead checks that the provider and its Secret still exist and are not being deleted,
// then records the batches in status.inFlight with the sync's one status write, a patch that
// the kube-apiserver refuses if the group was deleted or changed since it was read.
func (s *groupSync) writeAhead(ctx context.Context, queue []batch) error {
	p, key := providerObject(s.g)
	if err := s.exists(ctx, s.r.APIReader, p, key, s.provider.GetGeneration()); err != nil {
		return err
	}
	if err := s.exists(ctx, s.r.APIReader, &corev1.Secret{}, s.secretKey(), -1); err != nil {
		return err
	}
	n := 0
	for _, b := range queue {
		s.markSent(b.op, b.members)
		n += len(b.members)
	}
	s.settle(progressing, whatsappv1.ReasonApplying, "sending %d changes of %s", n, summary(s.plan))
	s.summarize()
	s.g.Status.ObservedGeneration = s.g.Generation
	if err := s.patchStatus(ctx, true); err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return fmt.Errorf("group %s: %w", s.key(), errGone)
		}
		return err
	}
	s.wroteAhead = true
	return nil
}

func (s *groupSync) secretKey() types.NamespacedName {
	return types.NamespacedName{Namespace: s.provider.SecretNamespace(), Name: s.provider.ProviderSpec().CredentialsRef.Name}
}

// stillThere checks, between the calls of a sync, in the informer caches, that the group, its
// provider and their Secret are still there, not being deleted and at the generation read.
func (s *groupSync) stillThere(ctx context.Context) error {
	var g whatsappv1.WhatsAppGroup
	if err := s.r.Client.Get(ctx, s.key(), &g, client.UnsafeDisableDeepCopy); err != nil {
		return gone(err, "WhatsAppGroup", s.key())
	}
	if g.UID != s.g.UID || !g.DeletionTimestamp.IsZero() || g.Generation != s.g.Generation {
		return fmt.Errorf("WhatsAppGroup %s: %w", s.key(), errGone)
	}
	p, key := providerObject(s.g)
	if err := s.r.Client.Get(ctx, key, p, client.UnsafeDisableDeepCopy); err != nil {
		return gone(err, kindOrDefault(s.g.Spec.ProviderRef.Kind), key)
	}
	if !p.GetDeletionTimestamp().IsZero() || p.GetGeneration() != s.provider.GetGeneration() {
		return fmt.Errorf("%s %s: %w", kindOrDefault(s.g.Spec.ProviderRef.Kind), key, errGone)
	}
	if s.r.Metadata == nil {
		return nil
	}
	return s.exists(ctx, s.r.Metadata, &corev1.Secret{}, s.secretKey(), -1)
}

func gone(err error, kind string, key types.NamespacedName) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("%s %s: %w", kind, key, errGone)
	}
	return err
}

// exists reads an object's metadata with reader (the kube-apiserver, or the metadata cache) and
// reports errGone when it is missing, being deleted, or (generation >= 0) at another generation.
func (s *groupSync) exists(ctx context.Context, reader client.Reader, like client.Object, key types.NamespacedName, generation int64) error {
	gvk, err := s.r.Client.GroupVersionKindFor(like)
	if err != nil {
		return err
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(gvk)
	if err := reader.Get(ctx, key, m); err != nil {
		return gone(err, gvk.Kind, key)
	}
	if !m.DeletionTimestamp.IsZero() || (generation >= 0 && m.Generation != generation) {
		return fmt.Errorf("%s %s: %w", gvk.Kind, key, errGone)
	}
	return nil
}

func (s *groupSync) unmark(op roster.Op, members []roster.Phone) {
	for _, m := range members {
		s.unmarkSent(roster.Change{Op: op, Member: m})
	}
}

// callFailed settles a batch whose call failed as a whole. A refusal (429, bad credentials, not
// admin, unknown group) made no change, so the batch is not in flight; any other failure (a
// timeout, a 5xx, a garbled answer) may have made it, so the read decides.
func (s *groupSync) callFailed(op roster.Op, batch []roster.Phone, err error) {
	if _, held := provider.BudgetWait(err); held {
		// Its write request was held for the budget: nothing was sent.
		s.unmark(op, batch)
		return
	}
	for _, sentinel := range []error{provider.ErrRateLimited, provider.ErrUnauthorized, provider.ErrNotAdmin, provider.ErrNotFound} {
		if errors.Is(err, sentinel) {
			s.unmark(op, batch)
			return
		}
	}
}

// record settles one call's outcomes: applied or unknown changes stay in flight for a read to
// confirm, refusals back off, and a rate-overlimit signal is reported to the caller. It
// returns the members the provider said it changed.
func (s *groupSync) record(op roster.Op, outcomes []provider.Outcome) (applied []roster.Phone, overlimit bool) {
	s.written += len(outcomes)
	for _, o := range outcomes {
		c := roster.Change{Op: op, Member: o.Member}
		switch {
		case o.RateOverlimit():
			s.unmarkSent(c)
			overlimit = true
		case op == roster.OpAdd && o.Result == provider.ResultUnchanged:
			// "Already a member", while the read cannot see them by number.
			s.unmarkSent(c)
			s.recordFailure(c, provider.Outcome{Member: o.Member, Result: provider.ResultPresentUnresolved, Message: o.Message})
		case o.Result.Terminal():
			s.unmarkSent(c)
			s.recordFailure(c, o)
		case o.Result == provider.ResultApplied:
			s.acceptSent(c)
			applied = append(applied, o.Member)
		}
	}
	return applied, overlimit
}

func (s *groupSync) applying(next string) {
	s.settle(progressing, whatsappv1.ReasonApplying, "sent %d of %s; %s", s.written, summary(s.plan), next)
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
