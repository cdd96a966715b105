package controller

// This file owns the lifecycle of every change a sync sends (add, promote, demote, remove):
// it is recorded in status.inFlight just before its call, then a read confirms it; or the
// provider refuses it (per member or for the whole call); or a read past the provider's lag
// still does not show it (not taking effect). A refused or not-taking-effect change backs off
// per (member, operation) in status.failures with a capped exponential delay, and is held
// until then. Both lists live in status, so a restart or a new leader awaits what was just
// sent instead of sending it again.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

const maxFailures = 50

// sent is a change in status.inFlight, parsed.
type sent struct {
	roster.Change
	at       time.Time
	accepted bool
}

func parseSent(sc whatsappv1.SentChange) (sent, bool) {
	p, err := roster.Normalize(sc.Member)
	if err != nil {
		return sent{}, false
	}
	return sent{Change: roster.Change{Op: roster.Op(sc.Operation), Member: p}, at: sc.SentAt.Time, accepted: sc.Accepted}, true
}

// confirmWindow is how long a sent change may stay invisible before it counts as not taking
// effect: the provider's read lag, and at least one confirm interval.
func (s *groupSync) confirmWindow() time.Duration {
	return max(s.conn.ReadLag, s.r.ConfirmAfter)
}

// confirmSent settles the changes in flight against the fresh read: those it shows are
// confirmed; those still invisible past the confirm window did not take effect and back off.
func confirmSent(_ context.Context, s *groupSync) (reconcile.Result, error) {
	window := s.confirmWindow()
	var confirmed []sent
	keep := s.g.Status.InFlight[:0]
	for _, sc := range s.g.Status.InFlight {
		c, ok := parseSent(sc)
		switch {
		case !ok:
		case made(c.Change, s.liveIndex()):
			confirmed = append(confirmed, c)
			s.clearFailure(c.Change)
		case s.now.Sub(c.at) < window:
			keep = append(keep, sc)
		default:
			s.recordFailure(c.Change, provider.Outcome{Member: c.Member, Result: provider.ResultNotTakingEffect,
				Message: fmt.Sprintf("the provider accepted the change, but a read %s later still does not show it", s.now.Sub(c.at).Round(time.Second))})
		}
	}
	s.g.Status.InFlight = nilIfEmpty(keep)
	s.reportConfirmed(confirmed)
	return reconcile.Result{}, nil
}

// liveIndex is the live group by number; a sync with nothing in flight never builds it.
func (s *groupSync) liveIndex() map[roster.Phone]roster.Participant {
	if s.index == nil {
		s.index = s.live.Index()
	}
	return s.index
}

// made reports whether the live group shows the change made.
func made(c roster.Change, live map[roster.Phone]roster.Participant) bool {
	p, present := live[c.Member]
	switch c.Op {
	case roster.OpAdd:
		return present
	case roster.OpPromote:
		return present && p.Role.IsAdmin()
	case roster.OpDemote:
		return present && !p.Role.IsAdmin()
	}
	return !present
}

// inFlight are the changes awaiting a read.
func (s *groupSync) inFlight() []roster.Change {
	out := make([]roster.Change, 0, len(s.g.Status.InFlight))
	for _, sc := range s.g.Status.InFlight {
		if c, ok := parseSent(sc); ok {
			out = append(out, c.Change)
		}
	}
	return out
}

// keepNeeded forgets the changes in flight and the failures of changes that the spec no
// longer calls for: a failure lasts as long as the change it is about.
func (s *groupSync) keepNeeded(needed map[roster.Change]bool) {
	s.g.Status.InFlight = nilIfEmpty(slices.DeleteFunc(s.g.Status.InFlight, func(sc whatsappv1.SentChange) bool {
		c, ok := parseSent(sc)
		return !ok || !needed[c.Change]
	}))
	s.g.Status.Failures = nilIfEmpty(slices.DeleteFunc(s.g.Status.Failures, func(f whatsappv1.MemberFailure) bool {
		c, ok := failureChange(f)
		return !ok || !needed[c]
	}))
}

// markSent records changes in status.inFlight as sent now.
func (s *groupSync) markSent(op roster.Op, members []roster.Phone) {
	at := metav1.NewTime(time.Now())
	for _, m := range members {
		s.g.Status.InFlight = append(s.g.Status.InFlight, whatsappv1.SentChange{Member: m.E164(), Operation: string(op), SentAt: at})
	}
}

// unmarkSent forgets a change recorded as sent, because its call did not go out or the
// provider's answer settled it.
func (s *groupSync) unmarkSent(c roster.Change) {
	s.g.Status.InFlight = nilIfEmpty(slices.DeleteFunc(s.g.Status.InFlight, func(sc whatsappv1.SentChange) bool {
		return sc.Member == c.Member.E164() && sc.Operation == string(c.Op)
	}))
}

// acceptSent notes that the provider said it made the change.
func (s *groupSync) acceptSent(c roster.Change) {
	for i := range s.g.Status.InFlight {
		if sc := &s.g.Status.InFlight[i]; sc.Member == c.Member.E164() && sc.Operation == string(c.Op) {
			sc.Accepted = true
		}
	}
}

// held are the changes backing off. A requested reconcile retries them all.
func (s *groupSync) held() map[roster.Change]bool {
	if s.reconcileRequested() {
		return nil
	}
	h := map[roster.Change]bool{}
	for _, f := range s.g.Status.Failures {
		if c, ok := failureChange(f); ok && f.RetryAfter != nil && s.now.Before(f.RetryAfter.Time) {
			h[c] = true
		}
	}
	return h
}

func failureChange(f whatsappv1.MemberFailure) (roster.Change, bool) {
	p, err := roster.Normalize(f.Member)
	return roster.Change{Op: roster.Op(f.Operation), Member: p}, err == nil
}

// reconcileRequested reports whether the reconcile-requested-at annotation carries a value not
// handled yet.
func (s *groupSync) reconcileRequested() bool {
	v, ok := s.g.Annotations[whatsappv1.ReconcileRequestedAtAnnotation]
	return ok && v != s.g.Status.LastHandledReconcileAt
}

// backoff is the wait after the given number of attempts that did not take.
func (s *groupSync) backoff(attempts int32) time.Duration {
	return min(s.r.ChangeBackoff<<min(attempts-1, 20), s.r.MaxChangeBackoff)
}

// recordFailure notes an attempt that did not take and when to try again.
func (s *groupSync) recordFailure(c roster.Change, o provider.Outcome) {
	var f *whatsappv1.MemberFailure
	for i := range s.g.Status.Failures {
		if s.g.Status.Failures[i].Member == c.Member.E164() && s.g.Status.Failures[i].Operation == string(c.Op) {
			f = &s.g.Status.Failures[i]
		}
	}
	if f == nil {
		s.g.Status.Failures = append([]whatsappv1.MemberFailure{{Member: c.Member.E164(), Operation: string(c.Op)}}, s.g.Status.Failures...)
		f = &s.g.Status.Failures[0]
	}
	f.Reason = string(o.Result)
	f.Message = o.Message
	f.Action = action(c, o.Result)
	f.LastSeen = metav1.NewTime(s.now)
	f.Attempts++
	delay := s.backoff(f.Attempts)
	retry := metav1.NewTime(s.now.Add(delay))
	f.RetryAfter = &retry
	if len(s.g.Status.Failures) > maxFailures {
		s.g.Status.Failures = s.g.Status.Failures[:maxFailures]
	}
	s.event(corev1.EventTypeWarning, whatsappv1.EventProviderError, "could not %s %s: %s %s; trying again after %s", strings.ToLower(string(c.Op)), c.Member.E164(), o.Result, o.Message, delay)
}

func (s *groupSync) clearFailure(c roster.Change) {
	s.g.Status.Failures = nilIfEmpty(slices.DeleteFunc(s.g.Status.Failures, func(f whatsappv1.MemberFailure) bool {
		return f.Member == c.Member.E164() && f.Operation == string(c.Op)
	}))
}

// action says what a person can check or do about a change that did not take.
func action(c roster.Change, r provider.Result) string {
	switch r {
	case provider.ResultInviteRequired:
		return "their privacy settings allow only an invite: send them the group's invite link"
	case provider.ResultNotOnWhatsApp:
		return "the number has no WhatsApp account: check the number in the spec"
	case provider.ResultRecentlyLeft:
		return "they left the group recently and cannot be re-added yet: wait, or send an invite link"
	case provider.ResultGroupFull:
		return "the group is full: remove someone or raise the group's size limit in WhatsApp"
	case provider.ResultCommunityGroup:
		return "the group belongs to a community, where WhatsApp adds nobody directly: send them the group's invite link"
	case provider.ResultPresentUnresolved:
		return "WhatsApp says they are already in the group, but the provider shows them only by a hidden id (@lid) without a number; nothing to do unless they should not be there"
	case provider.ResultNotTakingEffect:
		switch c.Op {
		case roster.OpAdd:
			return "the provider accepted the add but they never appeared: they may only accept an invite or not be on WhatsApp; check the group in WhatsApp"
		default:
			return "the provider accepted the change but the group does not show it: check that the account is still an admin, and whether the group addresses members by hidden id (@lid), which some engines cannot change by number"
		}
	}
	return "the provider refused it: check the number and the member's standing in the group"
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
