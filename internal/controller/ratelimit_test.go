package controller_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// Two provider objects for the same account (same type, endpoint and number), in two
// namespaces, share one token bucket: their groups together never exceed the account's rate,
// measured from the simulator's call timestamps, and both converge.
func TestGroupsOnOneAccountShareItsRate(t *testing.T) {
	const perMinute, burst = 120, 2 // 2 calls a second
	nsA, nsB := newNamespace(t), newNamespace(t)
	for _, ns := range []string{nsA, nsB} {
		createSecret(t, ns, "twochat-key", apiKey)
		createProvider(t, ns, providerRef, "twochat-key")
		updateProvider(t, ns, providerRef, func(p *whatsappv1.WhatsAppProvider) {
			p.Spec.RateLimit = &whatsappv1.RateLimit{RequestsPerMinute: perMinute, Burst: burst}
		})
		waitProviderReady(t, ns, providerRef, metav1.ConditionTrue, whatsappv1.ReasonAccountReady)
	}
	mark := time.Now()
	createGroup(t, nsA, "a", "WAG-rate-a", members(numbers("+336123570", 12)...), admins(ownNumber, "+336123570000"))
	createGroup(t, nsB, "b", "WAG-rate-b", members(numbers("+336123580", 12)...), admins(ownNumber, "+336123580000"))
	waitGroupCondition(t, nsA, "a", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	waitGroupCondition(t, nsB, "b", metav1.ConditionTrue, whatsappv1.ReasonInSync)

	var times []time.Time
	for _, c := range world.Calls() {
		if (c.Group == "WAG-rate-a" || c.Group == "WAG-rate-b") && !c.Time.Before(mark) {
			times = append(times, c.Time)
		}
	}
	// Each group: a read, two add calls, a promote, a confirming read.
	if len(times) < 10 {
		t.Fatalf("%d calls, want at least 10", len(times))
	}
	rate := float64(perMinute) / 60
	for i := range times {
		for j := i + 1; j < len(times); j++ {
			window := times[j].Sub(times[i]).Seconds()
			allowed := float64(burst) + rate*window + 1 // +1: a token refilled at the window's edge
			if got := float64(j - i + 1); got > allowed {
				t.Fatalf("%v calls within %.2fs, over the account's %d/min with burst %d", got, window, perMinute, burst)
			}
		}
	}
	if span := times[len(times)-1].Sub(times[0]); span < time.Duration(float64(len(times)-burst-1)/rate*float64(time.Second)) {
		t.Errorf("%d calls in %s: faster than the shared budget allows", len(times), span)
	}
	n := calls("WAG-rate-a", mark)
	if n[sim.OpAdd] != 2 || n[sim.OpPromote] != 1 {
		t.Errorf("group a calls %v, want 2 adds and 1 promote", n)
	}
}
