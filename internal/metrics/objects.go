package metrics

// This file owns the metrics computed from the objects at scrape time, so that they never
// drift from what the cluster holds: each group's and provider's conditions (the
// kube-state-metrics custom-resource convention: one sample of 1 per condition, with its type,
// status and reason), groups by Ready, failures by reason, each group's interval, and each
// account's pause and write breaker.

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/ratelimit"
)

var (
	groupConditionDesc = prometheus.NewDesc("wagov_group_condition",
		"One sample of 1 per condition of each WhatsAppGroup, with its type, status and reason.",
		[]string{"namespace", "name", "type", "status", "reason"}, nil)
	groupsDesc = prometheus.NewDesc("wagov_groups",
		"WhatsAppGroups by Ready status and reason.", []string{"ready", "reason"}, nil)
	groupFailuresDesc = prometheus.NewDesc("wagov_group_failures",
		"Changes of each group that did not take and back off (status.failures), by reason.",
		[]string{"namespace", "name", "reason"}, nil)
	groupIntervalDesc = prometheus.NewDesc("wagov_group_interval_seconds",
		"Each group's spec.interval, for alerts on syncs older than a few intervals.", []string{"namespace", "name"}, nil)
	providerConditionDesc = prometheus.NewDesc("wagov_provider_condition",
		"One sample of 1 per condition of each WhatsAppProvider and ClusterWhatsAppProvider (namespace empty).",
		[]string{"kind", "namespace", "name", "type", "status", "reason"}, nil)
	accountPausedDesc = prometheus.NewDesc("wagov_account_paused",
		"1 while a provider account pauses every call (a 429's Retry-After, or WhatsApp's rate-overlimit).", []string{"provider", "account"}, nil)
	accountWritesPausedDesc = prometheus.NewDesc("wagov_account_writes_paused",
		"1 while a provider account's write breaker is open (its session dropped right after writes).", []string{"provider", "account"}, nil)
)

// source is what the scrape-time metrics read.
type source struct {
	objects  client.Reader
	accounts *ratelimit.Accounts
}

var current atomic.Pointer[source]

// Observe makes the scrape-time metrics read objects (the manager's cache) and accounts. A
// later call replaces the earlier one (a restarted manager in tests).
func Observe(objects client.Reader, accounts *ratelimit.Accounts) {
	current.Store(&source{objects: objects, accounts: accounts})
}

type objectCollector struct{}

func (objectCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{groupConditionDesc, groupsDesc, groupFailuresDesc, groupIntervalDesc, providerConditionDesc, accountPausedDesc, accountWritesPausedDesc} {
		ch <- d
	}
}

func (objectCollector) Collect(ch chan<- prometheus.Metric) {
	src := current.Load()
	if src == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	collectGroups(ctx, src.objects, ch)
	collectProviders(ctx, src.objects, ch)
	collectAccounts(src.accounts, ch)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func collectGroups(ctx context.Context, r client.Reader, ch chan<- prometheus.Metric) {
	var groups whatsappv1.WhatsAppGroupList
	// Read in place, never copied: a copy of every group per scrape is the size of the cache.
	if err := r.List(ctx, &groups, client.UnsafeDisableDeepCopy); err != nil {
		return
	}
	byReady := map[[2]string]int{}
	for i := range groups.Items {
		g := &groups.Items[i]
		for _, c := range g.Status.Conditions {
			gauge(ch, groupConditionDesc, 1, g.Namespace, g.Name, c.Type, string(c.Status), c.Reason)
			if c.Type == whatsappv1.ConditionReady {
				byReady[[2]string{string(c.Status), c.Reason}]++
			}
		}
		failures := map[string]int{}
		for _, f := range g.Status.Failures {
			failures[f.Reason]++
		}
		for reason, n := range failures {
			gauge(ch, groupFailuresDesc, float64(n), g.Namespace, g.Name, reason)
		}
		interval := 10 * time.Minute
		if g.Spec.Interval != nil && g.Spec.Interval.Duration > 0 {
			interval = g.Spec.Interval.Duration
		}
		gauge(ch, groupIntervalDesc, interval.Seconds(), g.Namespace, g.Name)
	}
	for k, n := range byReady {
		gauge(ch, groupsDesc, float64(n), k[0], k[1])
	}
}

func collectProviders(ctx context.Context, r client.Reader, ch chan<- prometheus.Metric) {
	var namespaced whatsappv1.WhatsAppProviderList
	if err := r.List(ctx, &namespaced, client.UnsafeDisableDeepCopy); err == nil {
		for _, p := range namespaced.Items {
			providerConditions(ch, "WhatsAppProvider", p.Namespace, p.Name, p.Status.Conditions)
		}
	}
	var cluster whatsappv1.ClusterWhatsAppProviderList
	if err := r.List(ctx, &cluster, client.UnsafeDisableDeepCopy); err == nil {
		for _, p := range cluster.Items {
			providerConditions(ch, "ClusterWhatsAppProvider", "", p.Name, p.Status.Conditions)
		}
	}
}

func providerConditions(ch chan<- prometheus.Metric, kind, ns, name string, conds []metav1.Condition) {
	for _, c := range conds {
		gauge(ch, providerConditionDesc, 1, kind, ns, name, c.Type, string(c.Status), c.Reason)
	}
}

func collectAccounts(accounts *ratelimit.Accounts, ch chan<- prometheus.Metric) {
	if accounts == nil {
		return
	}
	now := time.Now()
	accounts.Each(func(a *ratelimit.Account) {
		typ, account := accountLabels(a.Key())
		_, _, blocked := a.WritesBlocked()
		gauge(ch, accountPausedDesc, boolValue(a.PausedUntil().After(now)), typ, account)
		gauge(ch, accountWritesPausedDesc, boolValue(blocked), typ, account)
	})
}

// accountLabels splits an account key ("type|endpoint|account") into the provider type and the
// account as the spec names it.
func accountLabels(key string) (string, string) {
	parts := strings.SplitN(key, "|", 3)
	if len(parts) != 3 {
		return "", key
	}
	return parts[0], parts[2]
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
