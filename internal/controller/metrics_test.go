package controller_test

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// The operator's /metrics counts exactly the provider calls that the simulator logged, by
// operation. The suite's other tests have made calls of every kind by now; the check runs
// once the operator is quiet.
func TestMetricsMatchTheCallLog(t *testing.T) {
	opOf := map[string]string{sim.OpRead: "read", sim.OpAccount: "check", sim.OpAdd: "add", sim.OpPromote: "promote", sim.OpDemote: "demote", sim.OpRemove: "remove"}
	eventually(t, 15*time.Second, func() error {
		logged := map[string]float64{}
		for _, c := range world.Calls() {
			if c.Provider == "TwoChat" && opOf[c.Op] != "" {
				logged[opOf[c.Op]]++
			}
		}
		scraped, err := scrape("wagov_provider_requests_total", `provider="TwoChat"`)
		if err != nil {
			return err
		}
		if logged["read"] == 0 {
			return fmt.Errorf("no reads logged yet")
		}
		for op, n := range logged {
			if scraped[op] != n {
				return fmt.Errorf("operation %s: /metrics counts %v calls, the simulator logged %v (all: metrics %v, log %v)", op, scraped[op], n, scraped, logged)
			}
		}
		return nil
	})
	for _, name := range []string{"wagov_provider_request_duration_seconds_count", "wagov_changes_applied_total", "wagov_groups", "wagov_group_last_successful_sync_timestamp_seconds",
		"wagov_group_condition", "wagov_group_interval_seconds", "wagov_provider_condition", "wagov_account_paused", "wagov_account_writes_paused"} {
		if got, err := scrape(name, ""); err != nil || len(got) == 0 {
			t.Errorf("%s: %v %v, want samples", name, got, err)
		}
	}
}

// scrape sums the samples of one metric on /metrics whose labels contain filter, by their
// operation label (or kind, or "" when neither).
func scrape(name, filter string) (map[string]float64, error) {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		if !strings.Contains(line, filter) {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		out[label(line, "operation")+label(line, "kind")] += v
	}
	return out, sc.Err()
}

func label(line, name string) string {
	_, rest, ok := strings.Cut(line, name+`="`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// The condition metrics come from the objects at scrape time: a group's conditions appear as it
// gets them and go with it, never left behind by a missed update.
func TestConditionMetricsFollowTheObjects(t *testing.T) {
	const id, own = "WAG-metrics-objects", "+12125553600"
	ns := twoChatAccount(t, "metrics-objects", own, id, "+33612383001")
	createGroup(t, ns, "measured", id, members("+33612383001"), admins(own))
	waitGroupCondition(t, ns, "measured", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	// Labels in the exposition's (sorted) order.
	ready := `name="measured",namespace="` + ns + `",reason="InSync",status="True",type="Ready"`
	eventually(t, 5*time.Second, func() error {
		if got, err := scrape("wagov_group_condition", ready); err != nil || got[""] != 1 {
			return fmt.Errorf("wagov_group_condition{%s} = %v, %w; want 1", ready, got, err)
		}
		return nil
	})
	if err := k8s.Delete(suiteCtx, getGroup(t, ns, "measured")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, func() error {
		if got, err := scrape("wagov_group_condition", `name="measured",namespace="`+ns+`"`); err != nil || len(got) != 0 {
			return fmt.Errorf("after the delete: %v, %w; want no sample", got, err)
		}
		return nil
	})
}
