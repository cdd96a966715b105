// Package metrics defines wagov's Prometheus metrics, registered with controller-runtime's
// registry so that they are served on the manager's /metrics endpoint. Labels stay
// low-cardinality: provider type, operation, result, change kind, condition.
package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

var (
	// ProviderRequests counts provider calls by provider type, operation and result.
	ProviderRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wagov_provider_requests_total",
		Help: "Provider API calls, by provider type, operation (check, read, add, promote, demote, remove) and result.",
	}, []string{"provider", "operation", "result"})
	// ProviderRequestDuration times provider calls.
	ProviderRequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "wagov_provider_request_duration_seconds",
		Help:    "Duration of provider API calls, by provider type and operation.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
	}, []string{"provider", "operation"})
	// ChangesApplied counts member changes the provider accepted, by kind.
	ChangesApplied = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wagov_changes_applied_total",
		Help: "Member changes applied, by kind (add, promote, demote, remove).",
	}, []string{"kind"})
	// RateLimitWaits counts times a sync had to wait for the account's budget or a 429.
	RateLimitWaits = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wagov_rate_limit_waits_total",
		Help: "Times a sync waited for an account's token bucket (reason bucket) or a provider's 429 (reason retry_after).",
	}, []string{"provider", "reason"})
	// LastSuccessfulSync is the time each group last matched its spec.
	LastSuccessfulSync = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "wagov_group_last_successful_sync_timestamp_seconds",
		Help: "Unix time at which the group last matched its spec.",
	}, []string{"namespace", "name"})
)

func init() {
	crmetrics.Registry.MustRegister(ProviderRequests, ProviderRequestDuration, ChangesApplied, RateLimitWaits, LastSuccessfulSync, objectCollector{})
}

// Result labels a call's error for the result label.
func Result(err error) string {
	switch {
	case err == nil:
		return "success"
	case errors.Is(err, provider.ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, provider.ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, provider.ErrNotFound):
		return "not_found"
	case errors.Is(err, provider.ErrNotAdmin):
		return "not_admin"
	case errors.Is(err, provider.ErrInvalidRequest):
		return "invalid_request"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "error"
}

// Instrument wraps a client so that every call is counted and timed under providerType.
func Instrument(providerType string, c provider.Client) provider.Client {
	return &instrumented{typ: providerType, next: c}
}

type instrumented struct {
	typ  string
	next provider.Client
}

func (i *instrumented) observe(op string, start time.Time, err error) {
	if errors.Is(err, provider.ErrBudget) {
		return // held back by the account's own budget: it never reached the provider
	}
	ProviderRequests.WithLabelValues(i.typ, op, Result(err)).Inc()
	ProviderRequestDuration.WithLabelValues(i.typ, op).Observe(time.Since(start).Seconds())
}

func (i *instrumented) CheckAccount(ctx context.Context) error {
	start := time.Now()
	err := i.next.CheckAccount(ctx)
	i.observe("check", start, err)
	return err
}

func (i *instrumented) ReadGroup(ctx context.Context, id string) (roster.Group, error) {
	start := time.Now()
	g, err := i.next.ReadGroup(ctx, id)
	i.observe("read", start, err)
	return g, err
}

func (i *instrumented) Change(ctx context.Context, id string, op roster.Op, m []roster.Phone) ([]provider.Outcome, error) {
	start := time.Now()
	out, err := i.next.Change(ctx, id, op, m)
	i.observe(opLabel(op), start, err)
	return out, err
}

// OwnNumber passes on the number the wrapped client acts as, if it knows it.
func (i *instrumented) OwnNumber() roster.Phone {
	if id, ok := i.next.(provider.Identity); ok {
		return id.OwnNumber()
	}
	return ""
}

// Describe passes on what the wrapped client says about its account, if it says anything.
func (i *instrumented) Describe() string {
	if d, ok := i.next.(provider.Describer); ok {
		return d.Describe()
	}
	return ""
}

func opLabel(op roster.Op) string {
	switch op {
	case roster.OpAdd:
		return "add"
	case roster.OpPromote:
		return "promote"
	case roster.OpDemote:
		return "demote"
	}
	return "remove"
}

// KindLabel is the change-kind label for an operation.
func KindLabel(op roster.Op) string { return opLabel(op) }
