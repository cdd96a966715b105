package manifests_test

// The chart's PrometheusRule and Grafana dashboard, rendered with the real helm: the rules pass
// Prometheus' own rule parser, and every query names only metrics the operator serves.

import (
	"encoding/json"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

// served are the metric families the operator's /metrics has (internal/metrics), with the
// histogram's series.
var served = []string{
	"wagov_provider_requests_total", "wagov_provider_request_duration_seconds_bucket",
	"wagov_provider_request_duration_seconds_count", "wagov_provider_request_duration_seconds_sum",
	"wagov_changes_applied_total", "wagov_rate_limit_waits_total", "wagov_group_last_successful_sync_timestamp_seconds",
	"wagov_group_condition", "wagov_groups", "wagov_group_failures", "wagov_group_interval_seconds",
	"wagov_provider_condition", "wagov_account_paused", "wagov_account_writes_paused",
}

func TestChartAlertRulesParse(t *testing.T) {
	needEnv(t)
	objs := decode(t, helmTemplate(t, "--set", "metrics.prometheusRule.enabled=true", "--show-only", "templates/prometheusrule.yaml"))
	if len(objs) != 1 || objs[0].GetKind() != "PrometheusRule" {
		t.Fatalf("rendered %d objects, want one PrometheusRule", len(objs))
	}
	spec, err := yaml.Marshal(objs[0].Object["spec"])
	if err != nil {
		t.Fatal(err)
	}
	groups, errs := rulefmt.Parse(spec, false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		t.Fatalf("the Prometheus rule parser refuses the chart's rules: %v", errs)
	}
	var alerts []string
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			checkQuery(t, r.Alert, r.Expr)
		}
	}
	for _, want := range []string{"WagovGroupStalled", "WagovProviderNotReady", "WagovAccountPaused", "WagovSyncStale"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("no %s alert among %v", want, alerts)
		}
	}
}

func TestChartDashboardQueriesServedMetrics(t *testing.T) {
	needEnv(t)
	objs := decode(t, helmTemplate(t, "--set", "metrics.dashboard.enabled=true", "--show-only", "templates/dashboard.yaml"))
	if len(objs) != 1 || objs[0].GetLabels()["grafana_dashboard"] != "1" {
		t.Fatalf("rendered %v, want one ConfigMap labelled grafana_dashboard", objs)
	}
	data, _ := objs[0].Object["data"].(map[string]any)
	raw, _ := data["wagov.json"].(string)
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(raw), &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if dash.Title == "" || len(dash.Panels) < 5 {
		t.Fatalf("dashboard %q has %d panels", dash.Title, len(dash.Panels))
	}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			checkQuery(t, p.Title, q.Expr)
		}
	}
}

var wagovMetric = regexp.MustCompile(`wagov_[a-z_]+`)

// checkQuery parses a PromQL query and checks that every wagov metric it names is served.
func checkQuery(t *testing.T, where, expr string) {
	t.Helper()
	if _, err := parser.NewParser(parser.Options{}).ParseExpr(expr); err != nil {
		t.Errorf("%s: %q does not parse: %v", where, expr, err)
	}
	names := wagovMetric.FindAllString(expr, -1)
	if len(names) == 0 {
		t.Errorf("%s: %q names no wagov metric", where, expr)
	}
	for _, n := range names {
		if !slices.Contains(served, strings.TrimSpace(n)) {
			t.Errorf("%s: %q names %s, which the operator does not serve", where, expr, n)
		}
	}
}
