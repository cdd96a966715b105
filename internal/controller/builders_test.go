package controller_test

// Test object builders with functional options, and readers of the simulator's call log.

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

const (
	apiKey      = "test-key-acme"
	ownNumber   = "+12123334444"
	creator     = "+12125550199"
	providerRef = "twochat"
)

// setupProvider creates the Secret and a TwoChat WhatsAppProvider on the simulator, and waits
// for it to be Ready.
func setupProvider(t *testing.T, ns string) {
	t.Helper()
	createSecret(t, ns, "twochat-key", apiKey)
	createProvider(t, ns, providerRef, "twochat-key")
	waitProviderReady(t, ns, providerRef, metav1.ConditionTrue, whatsappv1.ReasonAccountReady)
}

func createSecret(t *testing.T, ns, name, key string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: map[string]string{"apiKey": key}}
	if err := k8s.Create(suiteCtx, s); err != nil {
		t.Fatal(err)
	}
}

func createProvider(t *testing.T, ns, name, secret string) {
	t.Helper()
	p := &whatsappv1.WhatsAppProvider{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: whatsappv1.ProviderSpec{
			Type:              whatsappv1.ProviderTwoChat,
			Endpoint:          simURL,
			AllowInsecureHTTP: true,
			Account:           ownNumber,
			CredentialsRef:    whatsappv1.SecretKeyRef{Name: secret, Key: "apiKey"},
			RateLimit:         &whatsappv1.RateLimit{RequestsPerMinute: 6000, Burst: 50},
			AddRateLimit:      &whatsappv1.AddRateLimit{AddsPerMinute: 6000, AddsPerDay: 1000000},
		},
	}
	if err := k8s.Create(suiteCtx, p); err != nil {
		t.Fatal(err)
	}
}

func waitProviderReady(t *testing.T, ns, name string, status metav1.ConditionStatus, reason string) {
	t.Helper()
	eventually(t, 20*time.Second, func() error {
		var p whatsappv1.WhatsAppProvider
		if err := k8s.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: name}, &p); err != nil {
			return err
		}
		c := apimeta.FindStatusCondition(p.Status.Conditions, whatsappv1.ConditionReady)
		if c == nil || c.Status != status || c.Reason != reason {
			return fmt.Errorf("provider Ready = %+v, want %s/%s", c, status, reason)
		}
		return nil
	})
}

type groupOption func(*whatsappv1.WhatsAppGroup)

func members(m ...string) groupOption {
	return func(g *whatsappv1.WhatsAppGroup) { g.Spec.Members = m }
}
func admins(a ...string) groupOption { return func(g *whatsappv1.WhatsAppGroup) { g.Spec.Admins = a } }
func syncPolicy(g *whatsappv1.WhatsAppGroup) {
	g.Spec.MembershipPolicy = whatsappv1.MembershipSync
}
func promoteOnly(g *whatsappv1.WhatsAppGroup) { g.Spec.AdminPolicy = whatsappv1.AdminPromoteOnly }
func dryRun(g *whatsappv1.WhatsAppGroup)      { g.Spec.DryRun = true }
func suspended(g *whatsappv1.WhatsAppGroup)   { g.Spec.Suspend = true }
func maxRemoval(pct int32) groupOption {
	return func(g *whatsappv1.WhatsAppGroup) { g.Spec.Safety.MaxRemovalPercent = ptr.To(pct) }
}
func minAdmins(n int32) groupOption {
	return func(g *whatsappv1.WhatsAppGroup) { g.Spec.Safety.MinAdmins = ptr.To(n) }
}

func createGroup(t *testing.T, ns, name, groupID string, opts ...groupOption) {
	t.Helper()
	g := &whatsappv1.WhatsAppGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: whatsappv1.WhatsAppGroupSpec{
			ProviderRef: whatsappv1.ProviderReference{Kind: "WhatsAppProvider", Name: providerRef},
			GroupID:     groupID,
		},
	}
	for _, o := range opts {
		o(g)
	}
	if err := k8s.Create(suiteCtx, g); err != nil {
		t.Fatal(err)
	}
}

func getGroup(t *testing.T, ns, name string) *whatsappv1.WhatsAppGroup {
	t.Helper()
	var g whatsappv1.WhatsAppGroup
	if err := k8s.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: name}, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// updateGroup re-reads the group, applies change and writes it, retrying on conflicts.
func updateGroup(t *testing.T, ns, name string, change func(*whatsappv1.WhatsAppGroup)) {
	t.Helper()
	eventually(t, 5*time.Second, func() error {
		g := getGroup(t, ns, name)
		change(g)
		return k8s.Update(suiteCtx, g)
	})
}

// waitGroupCondition waits until the group's spec is observed and its Ready condition has the
// given status and reason.
func waitGroupCondition(t *testing.T, ns, name string, status metav1.ConditionStatus, reason string) *whatsappv1.WhatsAppGroup {
	t.Helper()
	var g *whatsappv1.WhatsAppGroup
	eventually(t, 30*time.Second, func() error {
		g = getGroup(t, ns, name)
		c := apimeta.FindStatusCondition(g.Status.Conditions, whatsappv1.ConditionReady)
		if g.Status.ObservedGeneration != g.Generation {
			return fmt.Errorf("observedGeneration %d, generation %d", g.Status.ObservedGeneration, g.Generation)
		}
		if c == nil || c.Status != status || c.Reason != reason {
			return fmt.Errorf("Ready = %+v, want %s/%s", c, status, reason)
		}
		return nil
	})
	return g
}

func hasCondition(g *whatsappv1.WhatsAppGroup, condType, reason string) bool {
	c := apimeta.FindStatusCondition(g.Status.Conditions, condType)
	return c != nil && c.Status == metav1.ConditionTrue && c.Reason == reason
}

// calls counts the simulator's calls on one group by operation, from time since.
func calls(groupID string, since time.Time) map[string]int {
	n := map[string]int{}
	for _, c := range world.Calls() {
		if c.Group == groupID && !c.Time.Before(since) {
			n[c.Op]++
		}
	}
	return n
}

func writes(n map[string]int) int {
	return n[sim.OpAdd] + n[sim.OpPromote] + n[sim.OpDemote] + n[sim.OpRemove]
}

// roster returns the group's truth in the simulator: number → role.
func roster(t *testing.T, groupID string) map[string]string {
	t.Helper()
	g, ok := world.Group(groupID)
	if !ok {
		t.Fatalf("sim has no group %s", groupID)
	}
	out := map[string]string{}
	for _, m := range g.Participants {
		out[m.Phone] = m.Role
	}
	return out
}

func wantRoles(t *testing.T, groupID string, want map[string]string) {
	t.Helper()
	got := roster(t, groupID)
	for number, role := range want {
		if got[number] != role {
			t.Errorf("%s in %s: role %q, want %q (roster %v)", number, groupID, got[number], role, got)
		}
	}
}

func numbers(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

// wantEvent waits for an event with the given reason about the group.
func wantEvent(t *testing.T, ns, name, reason string) {
	t.Helper()
	eventually(t, 10*time.Second, func() error {
		var list eventsv1.EventList
		if err := k8s.List(suiteCtx, &list, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range list.Items {
			if e.Regarding.Name == name && e.Reason == reason {
				return nil
			}
		}
		return fmt.Errorf("no %s event for %s among %d events", reason, name, len(list.Items))
	})
}

func updateProvider(t *testing.T, ns, name string, change func(*whatsappv1.WhatsAppProvider)) {
	t.Helper()
	eventually(t, 5*time.Second, func() error {
		var p whatsappv1.WhatsAppProvider
		if err := k8s.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: name}, &p); err != nil {
			return err
		}
		change(&p)
		return k8s.Update(suiteCtx, &p)
	})
}
