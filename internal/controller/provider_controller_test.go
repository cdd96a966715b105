package controller_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// accountCalls counts the simulator's account checks (2Chat get-numbers) since a time.
func accountCalls(since time.Time) int {
	n := 0
	for _, c := range world.Calls() {
		if c.Op == sim.OpAccount && !c.Time.Before(since) {
			n++
		}
	}
	return n
}

// A missing Secret gives a clear condition on the provider and its groups, costs no provider
// call, and creating the Secret brings both to Ready without a restart.
func TestMissingSecretThenCreated(t *testing.T) {
	ns := newNamespace(t)
	mark := time.Now()
	createProvider(t, ns, providerRef, "not-yet")
	waitProviderReady(t, ns, providerRef, metav1.ConditionFalse, whatsappv1.ReasonSecretNotFound)
	createGroup(t, ns, "waiting", "WAG-credentials", members("+33612351001"))
	g := waitGroupCondition(t, ns, "waiting", metav1.ConditionFalse, whatsappv1.ReasonProviderNotReady)
	if !hasCondition(g, whatsappv1.ConditionStalled, whatsappv1.ReasonProviderNotReady) {
		t.Errorf("conditions %+v, want Stalled while the Secret is missing", g.Status.Conditions)
	}
	if msg := readyMessage(g); !strings.Contains(msg, "not-yet") {
		t.Errorf("Ready message %q does not name the missing Secret", msg)
	}
	if n := accountCalls(mark); n != 0 {
		t.Errorf("%d account calls without credentials, want 0", n)
	}

	createSecret(t, ns, "not-yet", apiKey)
	waitProviderReady(t, ns, providerRef, metav1.ConditionTrue, whatsappv1.ReasonAccountReady)
	waitGroupCondition(t, ns, "waiting", metav1.ConditionTrue, whatsappv1.ReasonInSync)
}

// A wrong key gives InvalidCredentials after one call, with no retry storm, and never shows
// the key; fixing the Secret recovers.
// A wrong key is Stalled, checked again with a doubling backoff (the suite's first wait is 1s),
// never in a loop, and at once when the Secret changes.
func TestWrongKeyIsCheckedAgainWithBackoff(t *testing.T) {
	ns := newNamespace(t)
	const wrong = "wrong-key-s3cr3t"
	mark := time.Now()
	createSecret(t, ns, "bad", wrong)
	createProvider(t, ns, providerRef, "bad")
	waitProviderReady(t, ns, providerRef, metav1.ConditionFalse, whatsappv1.ReasonInvalidCredentials)
	// Checks at about 0, 1, 2 and 4 s: a fixed 1s retry would make 7 in 6.5 s, no retry 1.
	consistently(t, 6500*time.Millisecond, func() error {
		if n := accountCalls(mark); n > 5 {
			return fmt.Errorf("%d account calls with a wrong key, want at most 5 in 6.5s (a doubling backoff)", n)
		}
		return nil
	})
	if n := accountCalls(mark); n < 3 {
		t.Errorf("%d account calls with a wrong key in 6.5s, want at least 3: it must be checked again", n)
	}
	var p whatsappv1.WhatsAppProvider
	if err := k8s.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: providerRef}, &p); err != nil {
		t.Fatal(err)
	}
	if c := apimeta.FindStatusCondition(p.Status.Conditions, whatsappv1.ConditionStalled); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("conditions %+v, want Stalled: only a person can fix a wrong key", p.Status.Conditions)
	}
	if s := fmt.Sprintf("%+v", p.Status); strings.Contains(s, wrong) {
		t.Fatalf("provider status shows the key: %s", s)
	}

	var s corev1.Secret
	if err := k8s.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: "bad"}, &s); err != nil {
		t.Fatal(err)
	}
	s.Data = map[string][]byte{"apiKey": []byte(apiKey)}
	if err := k8s.Update(suiteCtx, &s); err != nil {
		t.Fatal(err)
	}
	waitProviderReady(t, ns, providerRef, metav1.ConditionTrue, whatsappv1.ReasonAccountReady)
}

// One transient 401 does not strand the provider: it is checked again and turns Ready.
func TestTransientUnauthorizedRecovers(t *testing.T) {
	ns := newNamespace(t)
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Provider: "TwoChat", Op: sim.OpAccount, Status: http.StatusUnauthorized, Times: 1})
	createSecret(t, ns, "twochat-key", apiKey)
	createProvider(t, ns, providerRef, "twochat-key")
	waitProviderReady(t, ns, providerRef, metav1.ConditionFalse, whatsappv1.ReasonInvalidCredentials)
	waitProviderReady(t, ns, providerRef, metav1.ConditionTrue, whatsappv1.ReasonAccountReady)
}

// A namespaced provider cannot read a Secret from another namespace: the API refuses it.
func TestNamespacedProviderCannotNameAnotherNamespace(t *testing.T) {
	ns := newNamespace(t)
	p := &whatsappv1.WhatsAppProvider{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sneaky"},
		Spec: whatsappv1.ProviderSpec{
			Type: whatsappv1.ProviderTwoChat, Account: ownNumber,
			CredentialsRef: whatsappv1.SecretKeyRef{Name: "twochat-key", Namespace: "kube-system"},
		},
	}
	err := k8s.Create(suiteCtx, p)
	if err == nil || !strings.Contains(err.Error(), "own namespace") {
		t.Fatalf("create = %v, want a validation error about the provider's own namespace", err)
	}
}

// A ClusterWhatsAppProvider reads its Secret from the namespace it names and serves only the
// namespaces it admits; a group elsewhere is Stalled with ProviderNotAllowed and makes no call.
func TestClusterProviderAdmitsOnlyAllowedNamespaces(t *testing.T) {
	allowed, other := newNamespace(t), newNamespace(t)
	secrets := clusterSecrets
	createSecret(t, secrets, "shared-key-"+allowed, apiKey)
	cp := &whatsappv1.ClusterWhatsAppProvider{
		ObjectMeta: metav1.ObjectMeta{Name: "shared-" + allowed},
		Spec: whatsappv1.ClusterProviderSpec{
			ProviderSpec: whatsappv1.ProviderSpec{
				Type: whatsappv1.ProviderTwoChat, Endpoint: simURL, AllowInsecureHTTP: true, Account: ownNumber,
				CredentialsRef: whatsappv1.SecretKeyRef{Name: "shared-key-" + allowed, Key: "apiKey", Namespace: secrets},
				RateLimit:      &whatsappv1.RateLimit{RequestsPerMinute: 6000, Burst: 50},
				AddRateLimit:   &whatsappv1.AddRateLimit{AddsPerMinute: 6000, AddsPerDay: 1000000},
			},
			AllowedNamespaces: []string{allowed},
		},
	}
	if err := k8s.Create(suiteCtx, cp); err != nil {
		t.Fatal(err)
	}
	ref := func(g *whatsappv1.WhatsAppGroup) {
		g.Spec.ProviderRef = whatsappv1.ProviderReference{Kind: "ClusterWhatsAppProvider", Name: cp.Name}
	}
	mark := time.Now()
	createGroup(t, other, "outsider", "WAG-suspend", ref, members("+33612352001"))
	createGroup(t, allowed, "insider", "WAG-credentials", ref, members("+33612352002"))
	waitGroupCondition(t, allowed, "insider", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	g := waitGroupCondition(t, other, "outsider", metav1.ConditionFalse, whatsappv1.ReasonProviderNotAllowed)
	if !hasCondition(g, whatsappv1.ConditionStalled, whatsappv1.ReasonProviderNotAllowed) {
		t.Errorf("conditions %+v, want Stalled/ProviderNotAllowed", g.Status.Conditions)
	}
	if n := calls("WAG-suspend", mark); len(n) != 0 {
		t.Errorf("a group outside allowedNamespaces made calls: %v", n)
	}
}

// A ClusterWhatsAppProvider may read its Secret only from the cluster resource namespace: one
// naming a Secret elsewhere (here kube-system) is refused with a clear condition and no call.
func TestClusterProviderSecretOnlyFromItsNamespace(t *testing.T) {
	mark := time.Now()
	cp := &whatsappv1.ClusterWhatsAppProvider{
		ObjectMeta: metav1.ObjectMeta{Name: "elsewhere-" + newNamespace(t)},
		Spec: whatsappv1.ClusterProviderSpec{ProviderSpec: whatsappv1.ProviderSpec{
			Type: whatsappv1.ProviderTwoChat, Endpoint: simURL, AllowInsecureHTTP: true, Account: ownNumber,
			CredentialsRef: whatsappv1.SecretKeyRef{Name: "bootstrap-token", Key: "token", Namespace: "kube-system"},
		}},
	}
	if err := k8s.Create(suiteCtx, cp); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() error {
		var p whatsappv1.ClusterWhatsAppProvider
		if err := k8s.Get(suiteCtx, types.NamespacedName{Name: cp.Name}, &p); err != nil {
			return err
		}
		c := apimeta.FindStatusCondition(p.Status.Conditions, whatsappv1.ConditionReady)
		if c == nil || c.Reason != whatsappv1.ReasonInvalidSpec || !strings.Contains(c.Message, clusterSecrets) {
			return fmt.Errorf("Ready = %+v, want InvalidSpec naming %s", c, clusterSecrets)
		}
		return nil
	})
	if n := accountCalls(mark); n != 0 {
		t.Errorf("%d account calls for a provider whose Secret is refused", n)
	}
}
