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
	s.g.Status.DeclaredMembers = int32(len(unionSet(in.Members, in.Admins)))
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

// apply sends the plan in batches, in the order add, promote, demote, remove. A batch that the
// provider refuses as a whole is split in halves until the member(s) it refuses are isolated,
// so that one bad number never blocks the rest.
func apply(ctx context.Context, s *groupSync) (reconcile.Result, error) {
	planned := map[roster.Op][]roster.Phone{
		roster.OpAdd: s.plan.Add, roster.OpPromote: s.plan.Promote, roster.OpDemote: s.plan.Demote, roster.OpRemove: s.plan.Remove,
	}
	failedAdds := map[roster.Phone]bool{}
	for _, st := range s.steps() {
		members := slices.DeleteFunc(slices.Clone(planned[st.op]), func(m roster.Phone) bool { return failedAdds[m] })
		queue := slices.Collect(slices.Chunk(members, s.conn.Batch(st.op)))
		var done []roster.Phone
		for len(queue) > 0 {
			batch := queue[0]
			queue = queue[1:]
			batch, rest, res, err := s.clearToWrite(ctx, st.op, batch)
			if err != nil || !res.IsZero() {
				s.reportApplied(st, done, "")
				return res, err
			}
			if len(rest) > 0 {
				queue = append([][]roster.Phone{rest}, queue...)
			}
			// The token taken in clearToWrite pays for the call's first request.
			outcomes, err := s.conn.Client.Change(httpx.Prepaid(ctx, 1), s.g.Spec.GroupID, st.op, batch)
			s.conn.Account.Wrote()
			if res, held := s.waitForBudget(err); held {
				// A type that makes more than one request per write ran out of budget mid-call.
				s.callFailed(st.op, batch, err)
				s.reportApplied(st, done, "")
				s.applying("waiting for the account's rate limit")
				return res, nil
			}
			switch {
			case errors.Is(err, provider.ErrInvalidRequest) && len(batch) > 1:
				s.unmark(st.op, batch)
				half := len(batch) / 2
				queue = append([][]roster.Phone{batch[:half], batch[half:]}, queue...)
				continue
			case errors.Is(err, provider.ErrInvalidRequest):
				outcomes = []provider.Outcome{{Member: batch[0], Result: provider.ResultRejected, Message: err.Error()}}
			case err != nil:
				s.callFailed(st.op, batch, err)
				s.reportApplied(st, done, "")
				return s.providerFailed(err)
			}
			s.conn.Account.Answered()
			applied, overlimit := s.record(st.op, outcomes)
			done = append(done, applied...)
			for _, o := range outcomes {
				if st.op == roster.OpAdd && o.Result.Terminal() {
					failedAdds[o.Member] = true
				}
			}
			if overlimit {
				s.reportApplied(st, done, "")
				d := s.conn.Account.Overlimited()
				s.event(corev1.EventTypeWarning, whatsappv1.EventRateLimited, "WhatsApp answered rate-overlimit for members of this batch; every write on the account pauses for %s", d.Round(time.Second))
				s.settle(progressing, whatsappv1.ReasonRateLimited, "WhatsApp said the account sends too fast (rate-overlimit); the account pauses for %s", d.Round(time.Second))
				return reconcile.Result{RequeueAfter: d}, nil
			}
		}
		s.reportApplied(st, done, "")
	}
	s.applying("confirming with a fresh read")
	return reconcile.Result{RequeueAfter: s.r.ConfirmAfter}, nil
}

// clearToWrite readies one batch: it takes the account's budgets (adds pace separately, and may
// shorten the batch, returning the rest), checks that writes are allowed and that the group,
// provider and Secret still exist, and records the batch in status before the call. A non-zero
// result or an error means the batch must not go.
func (s *groupSync) clearToWrite(ctx context.Context, op roster.Op, batch []roster.Phone) (send, rest []roster.Phone, res reconcile.Result, err error) {
	acct := s.conn.Account
	if until, reason, blocked := acct.WritesBlocked(); blocked {
		s.settle(progressing, whatsappv1.ReasonWritesPaused, "writes on this account are paused until %s: %s", until.UTC().Format(time.RFC3339), reason)
		return nil, nil, reconcile.Result{RequeueAfter: min(time.Until(until)+time.Second, jitter(s.interval()))}, nil
	}
	granted := len(batch)
	if op == roster.OpAdd {
		n, wait, err := acct.TakeAdds(ctx, len(batch), s.r.MaxTokenWait)
		if err != nil || wait > 0 {
			s.applying("pacing adds (the account's addRateLimit)")
			return nil, nil, reconcile.Result{RequeueAfter: wait}, err
		}
		granted = n
	}
	giveBack := func() {
		if op == roster.OpAdd {
			acct.ReturnAdds(granted)
		}
	}
	if wait, err := acct.Take(ctx, 1, s.r.MaxTokenWait); err != nil || wait > 0 {
		giveBack()
		if wait > 0 {
			metrics.RateLimitWaits.WithLabelValues(s.conn.Type, "bucket").Inc()
		}
		s.applying("waiting for the account's rate limit")
		return nil, nil, reconcile.Result{RequeueAfter: wait}, err
	}
	send, rest = batch[:granted], batch[granted:]
	if err := s.stillWanted(ctx, op, send); err != nil {
		giveBack()
		if errors.Is(err, errGone) {
			return nil, nil, reconcile.Result{RequeueAfter: s.r.ConfirmAfter}, nil
		}
		return nil, nil, reconcile.Result{}, err
	}
	return send, rest, reconcile.Result{}, nil
}

// errGone says the group, its provider or their Secret went away or changed mid-sync.
var errGone = errors.New("changed or deleted during the sync")

// stillWanted checks, just before a write call, that the provider and its Secret still exist
// and are not being deleted, and records the batch in status with a patch that the
// kube-apiserver refuses if the group was deleted or changed since it was read.
func (s *groupSync) stillWanted(ctx context.Context, op roster.Op, batch []roster.Phone) error {
	p, key := providerObject(s.g)
	if err := s.exists(ctx, p, key, s.provider.GetGeneration()); err != nil {
		return err
	}
	secret := &corev1.Secret{}
	sref := types.NamespacedName{Namespace: s.provider.SecretNamespace(), Name: s.provider.ProviderSpec().CredentialsRef.Name}
	if err := s.exists(ctx, secret, sref, -1); err != nil {
		return err
	}
	s.markSent(op, batch)
	err := s.r.Client.Status().Patch(ctx, s.g, client.MergeFromWithOptions(s.base, client.MergeFromWithOptimisticLock{}))
	if err != nil {
		s.unmark(op, batch)
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return fmt.Errorf("group %s: %w", s.key(), errGone)
		}
		return err
	}
	s.base = s.g.DeepCopy()
	return nil
}

// exists reads an object's metadata from the kube-apiserver and reports errGone when it is
// missing, being deleted, or (generation >= 0) at another generation.
func (s *groupSync) exists(ctx context.Context, like client.Object, key types.NamespacedName, generation int64) error {
	gvk, err := s.r.Client.GroupVersionKindFor(like)
	if err != nil {
		return err
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(gvk)
	if err := s.r.APIReader.Get(ctx, key, m); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("%s %s: %w", gvk.Kind, key, errGone)
		}
		return err
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
