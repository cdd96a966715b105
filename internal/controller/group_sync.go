package controller

// This file owns one sync of a WhatsAppGroup, as an ordered list of phases with one signature:
// each either hands on (a zero result and no error) or settles the sync with its outcome and a
// requeue. Every settled phase requeues, so no group is ever left without a next sync: a
// result with RequeueAfter, or an error that the controller retries with backoff.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/metrics"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

// groupSync is the state of one sync.
type groupSync struct {
	r *GroupReconciler
	g *whatsappv1.WhatsAppGroup
	// base is the group as last written to the kube-apiserver; the status patch is computed
	// against it.
	base     *whatsappv1.WhatsAppGroup
	now      time.Time
	provider whatsappv1.ProviderObject
	conn     *Connection
	// members and admins are the declared roster: the inline lists and membersFrom/adminsFrom.
	members, admins []roster.Phone
	live            roster.Group
	// index is the live group by number, built when a change in flight is checked.
	index map[roster.Phone]roster.Participant
	plan  plan.Plan
	// read is true once the live group was read in this sync.
	read bool
	// written counts the member changes sent so far.
	written int
	// wroteAhead is true once this sync wrote status (before its first write call); it
	// writes no more, and carries the rest to the next sync.
	wroteAhead bool
	out        outcome
}

// phase is one step of a sync.
type phase func(ctx context.Context, s *groupSync) (reconcile.Result, error)

// phases are a sync's steps, in order.
var phases = []phase{
	skipSuspended,
	spreadFirstSync,
	resolveLists,
	findProvider,
	connect,
	readGroup,
	confirmSent,
	planAndGuard,
	apply,
}

// run drives the phases until one settles the sync.
func (s *groupSync) run(ctx context.Context) (reconcile.Result, error) {
	for _, p := range phases {
		if res, err := p(ctx, s); err != nil || !res.IsZero() {
			return res, err
		}
	}
	return reconcile.Result{RequeueAfter: jitter(s.interval())}, nil
}

func (s *groupSync) key() types.NamespacedName {
	return types.NamespacedName{Namespace: s.g.Namespace, Name: s.g.Name}
}

func (s *groupSync) interval() time.Duration {
	if i := s.g.Spec.Interval; i != nil && i.Duration > 0 {
		return i.Duration
	}
	return 10 * time.Minute
}

// recheck is the requeue of a sync that waits for something a watch may not tell: at the
// latest one interval away.
func (s *groupSync) recheck() reconcile.Result {
	return reconcile.Result{RequeueAfter: jitter(s.interval())}
}

// skipSuspended makes no provider call for a suspended group; a spec change wakes it.
func skipSuspended(_ context.Context, s *groupSync) (reconcile.Result, error) {
	if !s.g.Spec.Suspend {
		return reconcile.Result{}, nil
	}
	return s.recheck(), nil
}

// spreadFirstSync delays the first sync, in this process, of a group that its status shows in
// sync with its spec, by a random part of the first quarter of its interval: after a restart
// the groups are read spread out, not all at once.
func spreadFirstSync(_ context.Context, s *groupSync) (reconcile.Result, error) {
	if _, seen := s.r.started.LoadOrStore(s.key(), true); seen {
		return reconcile.Result{}, nil
	}
	ready := apimeta.FindStatusCondition(s.g.Status.Conditions, whatsappv1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionTrue || s.g.Status.ObservedGeneration != s.g.Generation ||
		s.reconcileRequested() || len(s.g.Status.InFlight) > 0 {
		return reconcile.Result{}, nil
	}
	return reconcile.Result{RequeueAfter: time.Duration(rand.Int64N(int64(s.interval()/4)) + 1)}, nil
}

// findProvider finds the referenced provider, checks that it admits this namespace and is
// Ready. The provider and Namespace watches bring the group back; the requeue is the floor.
func findProvider(ctx context.Context, s *groupSync) (reconcile.Result, error) {
	ref := s.g.Spec.ProviderRef
	p, key := providerObject(s.g)
	if err := s.r.Client.Get(ctx, key, p); err != nil {
		if apierrors.IsNotFound(err) {
			s.settle(stalled, whatsappv1.ReasonProviderNotFound, "%s %q not found; create it, and the group syncs", kindOrDefault(ref.Kind), ref.Name)
			return s.recheck(), nil
		}
		return reconcile.Result{}, err
	}
	if cp, ok := p.(*whatsappv1.ClusterWhatsAppProvider); ok {
		allowed, err := s.namespaceAllowed(ctx, cp)
		if err != nil {
			return reconcile.Result{}, err
		}
		if !allowed {
			s.settle(stalled, whatsappv1.ReasonProviderNotAllowed, "ClusterWhatsAppProvider %q does not admit namespace %q (allowedNamespaces, namespaceSelector)", cp.Name, s.g.Namespace)
			return s.recheck(), nil
		}
	}
	ready := apimeta.FindStatusCondition(p.ProviderStatus().Conditions, whatsappv1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionTrue || p.ProviderStatus().ObservedGeneration != p.GetGeneration() {
		msg := fmt.Sprintf("%s %q is not Ready yet", kindOrDefault(ref.Kind), ref.Name)
		st := waiting
		if ready != nil && ready.Status == metav1.ConditionFalse {
			msg = fmt.Sprintf("%s %q is not Ready (%s): %s", kindOrDefault(ref.Kind), ref.Name, ready.Reason, ready.Message)
			if needsPerson(ready.Reason) {
				st = stalled
			}
		}
		s.settle(st, whatsappv1.ReasonProviderNotReady, "%s", msg)
		return s.recheck(), nil
	}
	s.provider = p
	return reconcile.Result{}, nil
}

// providerObject returns an empty object of the kind the group references, and its key.
func providerObject(g *whatsappv1.WhatsAppGroup) (whatsappv1.ProviderObject, types.NamespacedName) {
	ref := g.Spec.ProviderRef
	if ref.Kind == kindCluster {
		return &whatsappv1.ClusterWhatsAppProvider{}, types.NamespacedName{Name: ref.Name}
	}
	return &whatsappv1.WhatsAppProvider{}, types.NamespacedName{Namespace: g.Namespace, Name: ref.Name}
}

func kindOrDefault(k string) string {
	if k == "" {
		return kindNamespaced
	}
	return k
}

func needsPerson(providerReason string) bool {
	switch providerReason {
	case whatsappv1.ReasonInvalidCredentials, whatsappv1.ReasonSecretNotFound, whatsappv1.ReasonInvalidSpec:
		return true
	}
	return false
}

func (s *groupSync) namespaceAllowed(ctx context.Context, cp *whatsappv1.ClusterWhatsAppProvider) (bool, error) {
	spec := cp.Spec
	if len(spec.AllowedNamespaces) == 0 && spec.NamespaceSelector == nil {
		return true, nil
	}
	for _, ns := range spec.AllowedNamespaces {
		if ns == s.g.Namespace {
			return true, nil
		}
	}
	if spec.NamespaceSelector == nil {
		return false, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(spec.NamespaceSelector)
	if err != nil {
		return false, nil
	}
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := s.r.Client.Get(ctx, types.NamespacedName{Name: s.g.Namespace}, ns); err != nil {
		return false, err
	}
	return sel.Matches(labels.Set(ns.Labels)), nil
}

// connect builds the provider client.
func connect(ctx context.Context, s *groupSync) (reconcile.Result, error) {
	conn, err := s.r.Connector.Connect(ctx, s.provider)
	if err != nil {
		var ce *connectError
		if errors.As(err, &ce) {
			st := waiting
			if needsPerson(ce.reason) {
				st = stalled
			}
			s.settle(st, whatsappv1.ReasonProviderNotReady, "%s", ce.Error())
			return s.recheck(), nil
		}
		return reconcile.Result{}, err
	}
	s.conn = conn
	return reconcile.Result{}, nil
}

// waitForBudget settles a call that the account's own budget held back (nothing was sent): the
// group comes back when a token may be there, instead of holding a worker.
func (s *groupSync) waitForBudget(err error) (reconcile.Result, bool) {
	wait, ok := provider.BudgetWait(err)
	if !ok {
		return reconcile.Result{}, false
	}
	metrics.RateLimitWaits.WithLabelValues(s.conn.Type, "bucket").Inc()
	return reconcile.Result{RequeueAfter: max(wait, time.Millisecond)}, true
}

// readGroup reads the live group once.
func readGroup(ctx context.Context, s *groupSync) (reconcile.Result, error) {
	live, err := s.conn.Client.ReadGroup(ctx, s.g.Spec.GroupID)
	if res, held := s.waitForBudget(err); held {
		return res, nil
	}
	if err != nil {
		return s.providerFailed(err)
	}
	s.conn.Account.Answered()
	s.read = true
	now := metav1.NewTime(s.now)
	s.g.Status.LastSyncTime = &now
	declared := append(append([]roster.Phone{}, s.members...), s.admins...)
	s.live = live.Recognise(declared, s.conn.Canonical)
	s.g.Status.PresentMembers = int32(len(s.live.Participants))
	s.g.Status.Admins = int32(s.live.Admins())
	if len(s.live.Participants) == 0 {
		msg := "the provider returned an empty participant list; wagov treats it as unknown and changes nothing"
		s.settle(progressing, whatsappv1.ReasonRosterUnknown, "%s; reading again with backoff", msg)
		return reconcile.Result{}, fmt.Errorf("group %s/%s: %s", s.g.Namespace, s.g.Name, msg)
	}
	return reconcile.Result{}, nil
}

// providerFailed settles a failed provider call: a read, or a write batch.
func (s *groupSync) providerFailed(err error) (reconcile.Result, error) {
	acct := s.conn.Account
	if !errors.Is(err, provider.ErrRateLimited) {
		acct.Answered()
	}
	if errors.Is(err, provider.ErrUnavailable) || errors.Is(err, provider.ErrUnauthorized) {
		if acct.SessionTrouble(err.Error()) {
			s.event(corev1.EventTypeWarning, whatsappv1.EventProviderError, "the provider's session failed right after writes; all writes on this account pause (see the provider's %s condition)", whatsappv1.ConditionWritesPaused)
		}
	}
	switch {
	case errors.Is(err, provider.ErrRateLimited):
		ra, _ := provider.RetryAfter(err)
		d := acct.RateLimited(ra)
		metrics.RateLimitWaits.WithLabelValues(s.conn.Type, "retry_after").Inc()
		s.event(corev1.EventTypeWarning, whatsappv1.EventRateLimited, "the provider answered 429; the account pauses for %s", d.Round(time.Second))
		s.settle(progressing, whatsappv1.ReasonRateLimited, "rate limited by the provider; resuming in %s", d.Round(time.Second))
		return reconcile.Result{RequeueAfter: d}, nil
	case errors.Is(err, provider.ErrNotFound):
		s.settle(stalled, whatsappv1.ReasonGroupNotFound, "the provider does not know group %q: %v", s.g.Spec.GroupID, err)
		return s.recheck(), nil
	case errors.Is(err, provider.ErrNotAdmin):
		s.settle(stalled, whatsappv1.ReasonNotGroupAdmin, "%s", err.Error())
		return s.recheck(), nil
	case errors.Is(err, provider.ErrUnauthorized):
		s.settle(stalled, whatsappv1.ReasonProviderNotReady, "the provider rejected the credentials: %s", err.Error())
		return s.recheck(), nil
	}
	s.event(corev1.EventTypeWarning, whatsappv1.EventProviderError, "%v", err)
	s.settle(progressing, whatsappv1.ReasonProviderError, "%s; retrying with backoff", err.Error())
	// Returned so that the controller's capped exponential backoff spaces the retries.
	return reconcile.Result{}, fmt.Errorf("sync group %s/%s: %w", s.g.Namespace, s.g.Name, err)
}
