package controller

// This file owns one sync of a WhatsAppGroup, as an ordered list of phases: find the provider,
// connect, read, plan and guard, then apply. Each phase either hands on or settles the outcome
// (conditions and requeue) and stops.

import (
	"context"
	"errors"
	"fmt"
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

// maxRetryAfter bounds how long a provider's Retry-After may pause an account.
const maxRetryAfter = time.Hour

// groupSync is the state of one sync.
type groupSync struct {
	r    *GroupReconciler
	g    *whatsappv1.WhatsAppGroup
	now  time.Time
	conn *Connection
	live roster.Group
	plan plan.Plan
	// written counts the member changes sent so far.
	written int
	// retryErr, when set, is returned so that the controller's capped backoff spaces retries.
	retryErr error
}

// run drives the phases.
func (s *groupSync) run(ctx context.Context) (reconcile.Result, error) {
	p, res, err := s.findProvider(ctx)
	if p == nil {
		return res, err
	}
	if res, err, done := s.connect(ctx, p); done {
		return res, err
	}
	if res, err, done := s.read(ctx); done {
		return res, err
	}
	if res, done := s.planAndGuard(); done {
		return res, s.retryErr
	}
	return s.apply(ctx)
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

// findProvider returns the referenced provider if it exists, admits this namespace and is Ready.
func (s *groupSync) findProvider(ctx context.Context) (whatsappv1.ProviderObject, reconcile.Result, error) {
	ref := s.g.Spec.ProviderRef
	var p whatsappv1.ProviderObject
	var key types.NamespacedName
	if ref.Kind == kindCluster {
		p, key = &whatsappv1.ClusterWhatsAppProvider{}, types.NamespacedName{Name: ref.Name}
	} else {
		p, key = &whatsappv1.WhatsAppProvider{}, types.NamespacedName{Namespace: s.g.Namespace, Name: ref.Name}
	}
	if err := s.r.Client.Get(ctx, key, p); err != nil {
		if apierrors.IsNotFound(err) {
			s.stalled(whatsappv1.ReasonProviderNotFound, fmt.Sprintf("%s %q not found; create it, and the group syncs", kindOrDefault(ref.Kind), ref.Name))
			return nil, reconcile.Result{}, nil
		}
		return nil, reconcile.Result{}, err
	}
	if cp, ok := p.(*whatsappv1.ClusterWhatsAppProvider); ok {
		allowed, err := s.namespaceAllowed(ctx, cp)
		if err != nil {
			return nil, reconcile.Result{}, err
		}
		if !allowed {
			s.stalled(whatsappv1.ReasonProviderNotAllowed, fmt.Sprintf("ClusterWhatsAppProvider %q does not admit namespace %q (allowedNamespaces, namespaceSelector)", cp.Name, s.g.Namespace))
			return nil, reconcile.Result{}, nil
		}
	}
	ready := apimeta.FindStatusCondition(p.ProviderStatus().Conditions, whatsappv1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionTrue || p.ProviderStatus().ObservedGeneration != p.GetGeneration() {
		msg := fmt.Sprintf("%s %q is not Ready yet", kindOrDefault(ref.Kind), ref.Name)
		if ready != nil && ready.Status == metav1.ConditionFalse {
			msg = fmt.Sprintf("%s %q is not Ready (%s): %s", kindOrDefault(ref.Kind), ref.Name, ready.Reason, ready.Message)
		}
		// The provider watch brings the group back when the provider turns Ready.
		s.setReady(metav1.ConditionFalse, whatsappv1.ReasonProviderNotReady, msg)
		s.clear(whatsappv1.ConditionReconciling, whatsappv1.ConditionStalled)
		if ready != nil && needsPerson(ready.Reason) {
			s.setCondition(whatsappv1.ConditionStalled, whatsappv1.ReasonProviderNotReady, msg)
		}
		return nil, reconcile.Result{}, nil
	}
	return p, reconcile.Result{}, nil
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
	var ns corev1.Namespace
	if err := s.r.Client.Get(ctx, types.NamespacedName{Name: s.g.Namespace}, &ns); err != nil {
		return false, err
	}
	return sel.Matches(labels.Set(ns.Labels)), nil
}

// connect builds the client and takes a token for the read.
func (s *groupSync) connect(ctx context.Context, p whatsappv1.ProviderObject) (reconcile.Result, error, bool) {
	conn, err := s.r.Connector.Connect(ctx, p)
	if err != nil {
		var ce *connectError
		if errors.As(err, &ce) {
			s.setReady(metav1.ConditionFalse, whatsappv1.ReasonProviderNotReady, ce.Error())
			return reconcile.Result{}, nil, true
		}
		return reconcile.Result{}, err, true
	}
	s.conn = conn
	return reconcile.Result{}, nil, false
}

// take waits for n tokens of the account's budget, or says how long to come back after.
func (s *groupSync) take(ctx context.Context, n int) (time.Duration, error) {
	wait, err := s.conn.Account.Take(ctx, n, s.r.MaxTokenWait)
	if wait > 0 {
		metrics.RateLimitWaits.WithLabelValues(s.conn.Type, "bucket").Inc()
	}
	return wait, err
}

// read reads the live group once.
func (s *groupSync) read(ctx context.Context) (reconcile.Result, error, bool) {
	if wait, err := s.take(ctx, s.conn.ReadCalls); err != nil || wait > 0 {
		return reconcile.Result{RequeueAfter: wait}, err, true
	}
	live, err := s.conn.Client.ReadGroup(ctx, s.g.Spec.GroupID)
	now := metav1.NewTime(s.now)
	s.g.Status.LastSyncTime = &now
	if err != nil {
		res, err := s.providerFailed(err)
		return res, err, true
	}
	declared := append(phones(s.g.Spec.Members), phones(s.g.Spec.Admins)...)
	s.live = live.Recognise(declared, s.conn.Canonical)
	return reconcile.Result{}, nil, false
}

// providerFailed settles a failed provider call.
func (s *groupSync) providerFailed(err error) (reconcile.Result, error) {
	switch {
	case errors.Is(err, provider.ErrRateLimited):
		d, _ := provider.RetryAfter(err)
		d = min(max(d, time.Second), maxRetryAfter)
		s.conn.Account.Pause(time.Now().Add(d))
		metrics.RateLimitWaits.WithLabelValues(s.conn.Type, "retry_after").Inc()
		s.event(corev1.EventTypeWarning, whatsappv1.EventRateLimited, "the provider asked to wait %s; the account pauses until then", d.Round(time.Second))
		s.setReady(metav1.ConditionFalse, whatsappv1.ReasonRateLimited, fmt.Sprintf("rate limited by the provider; resuming in %s", d.Round(time.Second)))
		s.setCondition(whatsappv1.ConditionReconciling, whatsappv1.ReasonRateLimited, "waiting for the provider's Retry-After")
		return reconcile.Result{RequeueAfter: d}, nil
	case errors.Is(err, provider.ErrNotFound):
		s.stalled(whatsappv1.ReasonGroupNotFound, fmt.Sprintf("the provider does not know group %q: %v", s.g.Spec.GroupID, err))
		return reconcile.Result{RequeueAfter: jitter(s.interval())}, nil
	case errors.Is(err, provider.ErrNotAdmin):
		s.stalled(whatsappv1.ReasonNotGroupAdmin, err.Error())
		return reconcile.Result{RequeueAfter: jitter(s.interval())}, nil
	case errors.Is(err, provider.ErrUnauthorized):
		s.stalled(whatsappv1.ReasonProviderNotReady, "the provider rejected the credentials: "+err.Error())
		return reconcile.Result{RequeueAfter: jitter(s.interval())}, nil
	}
	s.event(corev1.EventTypeWarning, whatsappv1.EventProviderError, "%v", err)
	s.setReady(metav1.ConditionFalse, whatsappv1.ReasonProviderError, err.Error())
	s.setCondition(whatsappv1.ConditionReconciling, whatsappv1.ReasonProviderError, "retrying with backoff")
	// Returned so that the controller's capped exponential backoff spaces the retries.
	return reconcile.Result{}, fmt.Errorf("sync group %s/%s: %w", s.g.Namespace, s.g.Name, err)
}
