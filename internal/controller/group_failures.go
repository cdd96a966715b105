package controller

// This file owns status.failures: per-member outcomes that need a person, their growing
// backoff, and which members a sync holds back because of them.

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

const (
	maxFailures     = 50
	failureBackoff  = 5 * time.Minute
	maxFailureDelay = 6 * time.Hour
)

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
