package controller_test

// At rest a group costs one provider read per sync and nothing else: no status write and no
// Secret read on the kube-apiserver, counted from the operator's own client in the group's
// namespace (the apiserver's metrics, which make bench reads, count every test's groups).

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	patches, secrets := kubeCount("Patchstatus", "WhatsAppGroup", ns), kubeCount("Get", "Secret", ns)
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
	if n := kubeCount("Patchstatus", "WhatsAppGroup", ns) - patches; n != 0 {
		t.Errorf("%d status PATCHes for %d syncs at rest, want 0", n, syncs)
	}
	if n := kubeCount("Get", "Secret", ns) - secrets; n != 0 {
		t.Errorf("%d Secret GETs for %d syncs at rest, want 0 (credentials come from the kept connection)", n, syncs)
	}
}

// While a group converges, each sync writes its status at most once: the sync that sends its
// batches records them all with one write before the first call, and the next sync writes
// what they came to with its own outcome (7 status writes for this group before).
func TestConvergingWritesStatusOncePerSync(t *testing.T) {
	const id, own = "WAG-rest-converge", "+12125553300"
	seeded := numbers("+3361238200", 12)
	ns := tunedTwoChatAccount(t, func(p *whatsappv1.ProviderSpec) {
		p.RateLimit = &whatsappv1.RateLimit{RequestsPerMinute: 1200, Burst: 30}
		p.AddRateLimit = &whatsappv1.AddRateLimit{AddsPerMinute: 600, AddsPerDay: 1000}
	}, "rest-converge", own, id, seeded...)
	added := numbers("+3361238300", 8)
	mark := time.Now()
	patches := kubeCount("Patchstatus", "WhatsAppGroup", ns)
	createGroup(t, ns, "converging", id, members(append(slices.Clone(seeded[:10]), added...)...),
		admins(own, seeded[0], seeded[1], added[0]), syncPolicy, hourly)
	waitGroupCondition(t, ns, "converging", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	n := calls(id, mark)
	if n[sim.OpAdd] == 0 || n[sim.OpPromote] == 0 || n[sim.OpRemove] == 0 {
		t.Fatalf("calls %v: the case needs adds, promotions and removals", n)
	}
	written := kubeCount("Patchstatus", "WhatsAppGroup", ns) - patches
	// Every sync that wrote status read the group first, except the group's first sync, which
	// may write only its ObservedGeneration and Reconciling condition while its provider readies.
	t.Logf("%d status writes, calls %v", written, n)
	if written > n[sim.OpRead]+1 {
		t.Errorf("%d status writes in %d syncs that read (calls %v), want at most one each", written, n[sim.OpRead], n)
	}
	if written > 3 {
		t.Errorf("%d status writes to converge with calls %v, want at most 3 (the write-ahead, the outcome, one spare)", written, n)
	}
}
