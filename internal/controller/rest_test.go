package controller_test

// At rest a group costs one provider read per sync and nothing else: no status write and no
// Secret read on the kube-apiserver, counted from the apiserver's own request metrics.

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

func TestRestCostsOneReadAndNoKubeWrites(t *testing.T) {
	const id, own = "WAG-rest", "+12125553200"
	ns := twoChatAccount(t, "rest", own, id, "+33612381001")
	createGroup(t, ns, "resting", id, members("+33612381001"), admins(own), hourly)
	before := waitGroupCondition(t, ns, "resting", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	// Let the confirm and any event-driven sync settle before counting.
	eventually(t, 5*time.Second, func() error {
		if g := getGroup(t, ns, "resting"); g.ResourceVersion != before.ResourceVersion {
			before = g
			return fmt.Errorf("still settling")
		}
		return nil
	})
	patches, secrets := apiserverRequests(t, "PATCH", "whatsappgroups", "status"), apiserverRequests(t, "GET", "secrets", "")
	mark := time.Now()
	const syncs = 3
	for i := range syncs {
		// A provider label change wakes its groups without changing them.
		updateProvider(t, ns, providerRef, func(p *whatsappv1.WhatsAppProvider) {
			p.Labels = map[string]string{"wagov-test/wake": strconv.Itoa(i)}
		})
		eventually(t, 5*time.Second, func() error {
			if n := calls(id, mark)[sim.OpRead]; n < i+1 {
				return fmt.Errorf("%d reads after %d wake-ups", n, i+1)
			}
			return nil
		})
	}
	consistently(t, time.Second, func() error {
		if n := calls(id, mark); n[sim.OpRead] != syncs || len(n) != 1 {
			return fmt.Errorf("calls %v for %d syncs at rest, want %d reads and nothing else", n, syncs, syncs)
		}
		return nil
	})
	if g := getGroup(t, ns, "resting"); g.ResourceVersion != before.ResourceVersion {
		t.Errorf("the group changed at rest (resourceVersion %s → %s): status %+v", before.ResourceVersion, g.ResourceVersion, g.Status)
	}
	if n := apiserverRequests(t, "PATCH", "whatsappgroups", "status") - patches; n != 0 {
		t.Errorf("%d status PATCHes for %d syncs at rest, want 0", n, syncs)
	}
	if n := apiserverRequests(t, "GET", "secrets", "") - secrets; n != 0 {
		t.Errorf("%d Secret GETs for %d syncs at rest, want 0 (credentials come from the kept connection)", n, syncs)
	}
}

// apiserverRequests sums the kube-apiserver's apiserver_request_total for a verb, resource and
// subresource, across codes and clients.
func apiserverRequests(t *testing.T, verb, resource, subresource string) int {
	t.Helper()
	hc, err := rest.HTTPClientFor(restConfig)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(strings.TrimSuffix(restConfig.Host, "/") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := []string{`verb="` + verb + `"`, `resource="` + resource + `"`, `subresource="` + subresource + `"`}
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		labels, value, _ := strings.Cut(line, "} ")
		match := true
		for _, w := range want {
			match = match && strings.Contains(labels, w)
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); match && err == nil {
			total += v
		}
	}
	return int(total)
}
