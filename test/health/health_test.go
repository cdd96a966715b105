package health_test

// wagov's status must read right in GitOps tools: kstatus (Flux's kustomize-controller and
// helm-controller, `helm --wait`, kpt) and Argo CD through config/argocd/health.lua. Each case
// builds an object with the API types, converts it to unstructured as a client would receive
// it, and asks both.

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/test/health"
)

var healthLua = filepath.Join("..", "..", "config", "argocd", "health.lua")

// state is what a case sets on an object: its generation, observed generation, conditions and
// whether it is suspended (groups only).
type state struct {
	generation, observed int64
	conditions           []metav1.Condition
	suspend              bool
}

func cond(t, s, reason string) metav1.Condition {
	return metav1.Condition{Type: t, Status: metav1.ConditionStatus(s), Reason: reason, Message: "the operator says " + reason,
		LastTransitionTime: metav1.Unix(1767225600, 0)}
}

// build returns an object of kind in st, as unstructured.
func build(t *testing.T, kind string, st state) *unstructured.Unstructured {
	t.Helper()
	meta := metav1.ObjectMeta{Name: "example", Namespace: "community", Generation: st.generation}
	var obj runtime.Object
	switch kind {
	case "WhatsAppGroup":
		g := &whatsappv1.WhatsAppGroup{ObjectMeta: meta}
		g.Spec.Suspend = st.suspend
		g.Status.ObservedGeneration, g.Status.Conditions = st.observed, st.conditions
		obj = g
	case "WhatsAppProvider":
		p := &whatsappv1.WhatsAppProvider{ObjectMeta: meta}
		p.Status.ObservedGeneration, p.Status.Conditions = st.observed, st.conditions
		obj = p
	case "ClusterWhatsAppProvider":
		meta.Namespace = ""
		p := &whatsappv1.ClusterWhatsAppProvider{ObjectMeta: meta}
		p.Status.ObservedGeneration, p.Status.Conditions = st.observed, st.conditions
		obj = p
	default:
		t.Fatalf("unknown kind %s", kind)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(whatsappv1.GroupVersion.WithKind(kind))
	return u
}

type healthCase struct {
	name    string
	st      state
	kstatus status.Status
	argocd  string
}

// commonCases hold for every kind; readyReason and stalledReason are the kind's own reasons.
func commonCases(readyReason, stalledReason string) []healthCase {
	return []healthCase{
		{"Ready with the generation observed", state{generation: 2, observed: 2, conditions: []metav1.Condition{
			cond("Ready", "True", readyReason)}}, status.CurrentStatus, health.Healthy},
		{"Reconciling", state{generation: 2, observed: 2, conditions: []metav1.Condition{
			cond("Ready", "False", "Applying"), cond("Reconciling", "True", "Applying")}}, status.InProgressStatus, health.Progressing},
		{"Stalled", state{generation: 2, observed: 2, conditions: []metav1.Condition{
			cond("Ready", "False", stalledReason), cond("Stalled", "True", stalledReason)}}, status.FailedStatus, health.Degraded},
		{"stale observedGeneration", state{generation: 3, observed: 2, conditions: []metav1.Condition{
			cond("Ready", "True", readyReason)}}, status.InProgressStatus, health.Progressing},
		{"stale observedGeneration, stalled before", state{generation: 3, observed: 2, conditions: []metav1.Condition{
			cond("Ready", "False", stalledReason), cond("Stalled", "True", stalledReason)}}, status.InProgressStatus, health.Progressing},
	}
}

func TestHealth(t *testing.T) {
	argo, err := health.LoadArgoCD(healthLua)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string][]healthCase{
		"WhatsAppGroup": append(commonCases(whatsappv1.ReasonInSync, whatsappv1.ReasonSafetyGuard),
			healthCase{"suspended", state{generation: 2, observed: 2, suspend: true, conditions: []metav1.Condition{
				cond("Ready", "True", whatsappv1.ReasonInSync)}}, status.CurrentStatus, health.Suspended},
			healthCase{"dry run with changes pending", state{generation: 2, observed: 2, conditions: []metav1.Condition{
				cond("Ready", "False", whatsappv1.ReasonDryRun)}}, status.InProgressStatus, health.Suspended},
			healthCase{"rate limited", state{generation: 2, observed: 2, conditions: []metav1.Condition{
				cond("Ready", "False", whatsappv1.ReasonRateLimited), cond("Reconciling", "True", whatsappv1.ReasonRateLimited)}}, status.InProgressStatus, health.Progressing},
			healthCase{"member failures", state{generation: 2, observed: 2, conditions: []metav1.Condition{
				cond("Ready", "False", whatsappv1.ReasonMemberFailures), cond("Stalled", "True", whatsappv1.ReasonMemberFailures)}}, status.FailedStatus, health.Degraded},
			// Without Stalled, kstatus reads Ready=False as InProgress whatever the reason; Argo CD
			// tells the reasons that need a person apart.
			healthCase{"Ready=False alone, waiting for the provider", state{generation: 2, observed: 2, conditions: []metav1.Condition{
				cond("Ready", "False", whatsappv1.ReasonProviderNotReady)}}, status.InProgressStatus, health.Progressing},
			healthCase{"Ready=False alone, needing a person", state{generation: 2, observed: 2, conditions: []metav1.Condition{
				cond("Ready", "False", whatsappv1.ReasonGroupNotFound)}}, status.InProgressStatus, health.Degraded},
		),
		"WhatsAppProvider": append(commonCases(whatsappv1.ReasonAccountReady, whatsappv1.ReasonInvalidCredentials),
			healthCase{"Ready=False alone, bad credentials", state{generation: 1, observed: 1, conditions: []metav1.Condition{
				cond("Ready", "False", whatsappv1.ReasonInvalidCredentials)}}, status.InProgressStatus, health.Degraded},
			healthCase{"Ready=False alone, account unavailable", state{generation: 1, observed: 1, conditions: []metav1.Condition{
				cond("Ready", "False", whatsappv1.ReasonAccountUnavailable)}}, status.InProgressStatus, health.Progressing},
		),
		"ClusterWhatsAppProvider": append(commonCases(whatsappv1.ReasonAccountReady, whatsappv1.ReasonSecretNotFound),
			healthCase{"Ready=False alone, Secret missing", state{generation: 1, observed: 1, conditions: []metav1.Condition{
				cond("Ready", "False", whatsappv1.ReasonSecretNotFound)}}, status.InProgressStatus, health.Degraded},
		),
	}
	for kind, cases := range kinds {
		for _, tc := range cases {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				u := build(t, kind, tc.st)
				ks, err := status.Compute(u)
				if err != nil {
					t.Fatalf("kstatus: %v", err)
				}
				if ks.Status != tc.kstatus {
					t.Errorf("kstatus says %s (%s), want %s", ks.Status, ks.Message, tc.kstatus)
				}
				got, err := argo.Evaluate(u)
				if err != nil {
					t.Fatalf("Argo CD health check: %v", err)
				}
				if got.Status != tc.argocd {
					t.Errorf("Argo CD health is %s (%s), want %s", got.Status, got.Message, tc.argocd)
				}
				if got.Message == "" {
					t.Error("Argo CD health has no message")
				}
			})
		}
	}
}

// TestArgoCDBeforeTheOperator covers objects wagov has not written status on yet, and
// conditions with fields missing: the script must answer, never fail.
func TestArgoCDBeforeTheOperator(t *testing.T) {
	argo, err := health.LoadArgoCD(healthLua)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		obj  map[string]any
		want string
	}{
		{"no status", map[string]any{"metadata": map[string]any{"generation": int64(1)}, "spec": map[string]any{}}, health.Progressing},
		{"no spec, no status", map[string]any{"metadata": map[string]any{}}, health.Progressing},
		{"no conditions", map[string]any{"metadata": map[string]any{"generation": int64(1)}, "status": map[string]any{"observedGeneration": int64(1)}}, health.Progressing},
		{"Ready without reason or message", map[string]any{"metadata": map[string]any{"generation": int64(1)}, "status": map[string]any{
			"observedGeneration": int64(1), "conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}}, health.Healthy},
		{"numbers decoded from JSON as floats", map[string]any{"metadata": map[string]any{"generation": float64(4)}, "status": map[string]any{
			"observedGeneration": float64(4), "conditions": []any{map[string]any{"type": "Ready", "status": "True", "reason": "InSync"}}}}, health.Healthy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := argo.Evaluate(&unstructured.Unstructured{Object: tc.obj})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.want || got.Message == "" {
				t.Errorf("got %s (%q), want %s with a message", got.Status, got.Message, tc.want)
			}
		})
	}
}

// TestArgoCDConfigMapCarriesTheScript checks that config/argocd/argocd-cm.yaml installs
// health.lua, unchanged, for each of wagov's kinds and nothing else.
func TestArgoCDConfigMapCarriesTheScript(t *testing.T) {
	script, err := os.ReadFile(healthLua)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "argocd", "argocd-cm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Kind     string
		Metadata struct{ Name, Namespace string }
		Data     map[string]string
	}
	if err := yaml.Unmarshal(raw, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Kind != "ConfigMap" || cm.Metadata.Name != "argocd-cm" {
		t.Fatalf("argocd-cm.yaml is a %s named %q, want the ConfigMap argocd-cm", cm.Kind, cm.Metadata.Name)
	}
	var keys []string
	for _, kind := range []string{"WhatsAppGroup", "WhatsAppProvider", "ClusterWhatsAppProvider"} {
		key := "resource.customizations.health." + whatsappv1.GroupVersion.Group + "_" + kind
		keys = append(keys, key)
		if cm.Data[key] != string(script) {
			t.Errorf("argocd-cm.yaml: %s is not config/argocd/health.lua as it is now; copy the script in, indented by four spaces", key)
		}
	}
	for key := range cm.Data {
		if !slices.Contains(keys, key) {
			t.Errorf("argocd-cm.yaml has an unexpected key %s", key)
		}
	}
}
