package controller_test

// Every provider type gets one convergence case: a group on that type converges, and a second
// sync costs only its read. Each type's file calls convergesOn with its own account and group,
// which it adds to the shared simulated world.

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// typeCase describes one provider type's convergence case.
type typeCase struct {
	// Type is the spec.type.
	Type whatsappv1.ProviderType
	// EndpointPath is appended to the simulator's URL to make spec.endpoint, for a dialect
	// that wagov-sim serves under a path (Wasend: one per documented path set).
	EndpointPath string
	// Account is added to the simulator; Numbers[0] is its own number.
	Account sim.Account
	// SpecAccount is the provider's spec.account (a number, session, instance or device).
	SpecAccount string
	// Group is added to the simulator; the account's own number must be an admin in it.
	Group sim.SeedGroup
	// GroupID is the WhatsAppGroup's spec.groupID.
	GroupID string
	// Members and Admins are the declared roster.
	Members, Admins []string
	// Want is the expected roster afterwards: +E164 → role.
	Want map[string]string
	// ReadsPerSync is how many read calls one sync makes (1, or 2 where the API splits them).
	ReadsPerSync int
	// Tune, when set, changes the provider's spec before it is created.
	Tune func(*whatsappv1.ProviderSpec)
}

func convergesOn(t *testing.T, c typeCase) {
	t.Helper()
	ns := typeProvider(t, c)
	id := c.Group.ID
	createGroup(t, ns, "group", c.GroupID, members(c.Members...), admins(c.Admins...))
	waitGroupCondition(t, ns, "group", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	wantRoles(t, id, c.Want)

	mark := time.Now()
	updateGroup(t, ns, "group", func(g *whatsappv1.WhatsAppGroup) { g.Spec.Safety.MinAdmins = ptr.To(int32(1)) })
	waitGroupCondition(t, ns, "group", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	eventually(t, 5*time.Second, func() error {
		if n := calls(id, mark); n[sim.OpRead] != c.ReadsPerSync || writes(n) != 0 {
			return fmt.Errorf("second sync on %s: calls %v, want %d reads and no writes", c.Type, n, c.ReadsPerSync)
		}
		return nil
	})
}

// typeProvider adds the case's account and group to the simulator and creates a namespace
// with a Ready provider of the case's type.
func typeProvider(t *testing.T, c typeCase) string {
	t.Helper()
	if err := world.Add(sim.Seed{Accounts: []sim.Account{c.Account}, Groups: []sim.SeedGroup{c.Group}}); err != nil {
		t.Fatal(err)
	}
	return providerFor(t, c)
}

// providerFor creates a namespace with a Ready provider of the case's type, for an account
// already in the simulator.
func providerFor(t *testing.T, c typeCase) string {
	t.Helper()
	ns := newNamespace(t)
	if err := k8s.Create(suiteCtx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "credentials"},
		StringData: map[string]string{"apiKey": c.Account.APIKey},
	}); err != nil {
		t.Fatal(err)
	}
	p := &whatsappv1.WhatsAppProvider{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: providerRef},
		Spec: whatsappv1.ProviderSpec{
			Type: c.Type, Endpoint: simURL + c.EndpointPath, AllowInsecureHTTP: true, Account: c.SpecAccount,
			CredentialsRef: whatsappv1.SecretKeyRef{Name: "credentials", Key: "apiKey"},
			RateLimit:      &whatsappv1.RateLimit{RequestsPerMinute: 6000, Burst: 50},
			AddRateLimit:   &whatsappv1.AddRateLimit{AddsPerMinute: 6000, AddsPerDay: 1000000},
		},
	}
	if c.Tune != nil {
		c.Tune(&p.Spec)
	}
	if err := k8s.Create(suiteCtx, p); err != nil {
		t.Fatal(err)
	}
	waitProviderReady(t, ns, providerRef, metav1.ConditionTrue, whatsappv1.ReasonAccountReady)
	return ns
}

func TestTypeTwoChatConverges(t *testing.T) {
	convergesOn(t, typeCase{
		Type:        whatsappv1.ProviderTwoChat,
		Account:     sim.Account{Name: "types-2chat", Type: "TwoChat", APIKey: "types-2chat-key", Numbers: []string{"+12125551000"}},
		SpecAccount: "+12125551000",
		Group: sim.SeedGroup{ID: "WAG-type-2chat", JID: "120363000000001001@g.us", Participants: []sim.SeedMember{
			{Phone: "+12125550199", Role: "superadmin"}, {Phone: "+12125551000", Role: "admin"}, {Phone: "+33612360001", Role: "admin"},
			{Phone: "+33612360004"}, {Phone: "+33612360005"},
		}},
		GroupID: "WAG-type-2chat",
		Members: []string{"+33612360002", "+33612360003"},
		Admins:  []string{"+12125551000", "+33612360002"},
		Want: map[string]string{"+33612360001": "member", "+33612360002": "admin", "+33612360003": "member",
			"+12125551000": "admin", "+12125550199": "superadmin"},
		ReadsPerSync: 1,
	})
}

// convergesExactly creates a group, waits until it is InSync, and checks the simulator's roster
// is exactly want and that the sync cost exactly the writes the plan needs (by operation; the
// key "" counts every write, for a type whose log files all writes under one operation).
func convergesExactly(t *testing.T, ns, object, groupID string, want map[string]string, wantWrites map[string]int, opts ...groupOption) {
	t.Helper()
	mark := time.Now()
	createGroup(t, ns, object, groupID, opts...)
	waitGroupCondition(t, ns, object, metav1.ConditionTrue, whatsappv1.ReasonInSync)
	if got := roster(t, groupID); !reflect.DeepEqual(got, want) {
		t.Errorf("roster %v, want %v", got, want)
	}
	n := calls(groupID, mark)
	for op, count := range wantWrites {
		if got := n[op]; op == "" && writes(n) != count || op != "" && got != count {
			t.Errorf("calls %v, want %v", n, wantWrites)
		}
	}
}
