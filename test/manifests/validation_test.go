package manifests_test

// The CRDs validate at admission (OpenAPI schema and CEL rules), so a bad object is refused by
// kubectl with a message that says what to fix, and a valid one is never refused.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const validationNamespace = "validation"

// spec is an object's spec; edits change a copy of a valid one.
type spec = map[string]any

// object builds a whatsapp.wagov.dev/v1alpha1 object of kind with the given spec.
func object(kind string, s spec) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "whatsapp.wagov.dev/v1alpha1",
		"kind":       kind,
		"metadata":   map[string]any{"name": "example"},
		"spec":       s,
	}}
	if kind != "ClusterWhatsAppProvider" {
		u.SetNamespace(validationNamespace)
	}
	return u
}

// group is a valid WhatsAppGroup spec, changed by edit.
func group(edit func(spec)) *unstructured.Unstructured {
	s := spec{
		"providerRef": map[string]any{"kind": "WhatsAppProvider", "name": "twochat"},
		"groupID":     "WAG45b0f301-9203-4660-8b57-b51a6c2742a5",
		"members":     []any{"+447700176576", "+17137157533"},
		"admins":      []any{"+12125550100"},
	}
	edit(s)
	return object("WhatsAppGroup", s)
}

// provider is a valid provider spec of kind (WhatsAppProvider or ClusterWhatsAppProvider), changed by edit.
func provider(kind string, edit func(spec)) *unstructured.Unstructured {
	ref := map[string]any{"name": "twochat-credentials", "key": "apiKey"}
	if kind == "ClusterWhatsAppProvider" {
		ref["namespace"] = validationNamespace
	}
	s := spec{"type": "TwoChat", "account": "+12123334444", "credentialsRef": ref}
	edit(s)
	return object(kind, s)
}

// numbers returns n distinct E.164 numbers starting at first.
func numbers(first, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("+1555%07d", first+i)
	}
	return out
}

func unchanged(spec) {}

func set(key string, v any) func(spec) { return func(s spec) { s[key] = v } }

func unset(key string) func(spec) { return func(s spec) { delete(s, key) } }

func all(edits ...func(spec)) func(spec) {
	return func(s spec) {
		for _, e := range edits {
			e(s)
		}
	}
}

func setCredentialsNamespace(ns string) func(spec) {
	return func(s spec) {
		ref := s["credentialsRef"].(map[string]any)
		if ns == "" {
			delete(ref, "namespace")
		} else {
			ref["namespace"] = ns
		}
	}
}

func TestCRDValidationRejects(t *testing.T) {
	needEnv(t)
	ensureValidationNamespace(t)
	for _, tc := range []struct {
		name string
		obj  *unstructured.Unstructured
		want string // a part of the apiserver's message
	}{
		{"member not E.164", group(set("members", []any{"12125550100"})), `spec.members[0] in body should match '^\+[1-9][0-9]{7,14}$'`},
		{"admin too short", group(set("admins", []any{"+1212"})), `spec.admins[0] in body should match`},
		{"duplicate members", group(set("members", []any{"+447700176576", "+447700176576"})), `spec.members[1]: Duplicate value: "+447700176576"`},
		{"duplicate admins", group(set("admins", []any{"+12125550100", "+12125550100"})), `spec.admins[1]: Duplicate value`},
		{"interval 5s", group(set("interval", "5s")), "interval must be between 30s and 24h"},
		{"interval 48h", group(set("interval", "48h")), "interval must be between 30s and 24h"},
		{"interval without a unit", group(set("interval", "600")), "interval must be between 30s and 24h"},
		{"groupID with a leading dash", group(set("groupID", "-x")), "spec.groupID in body should match"},
		{"unknown membershipPolicy", group(set("membershipPolicy", "Remove")), `spec.membershipPolicy: Unsupported value: "Remove": supported values: "AddOnly", "Sync"`},
		{"unknown adminPolicy", group(set("adminPolicy", "DemoteAll")), `supported values: "Enforce", "PromoteOnly"`},
		{"unknown provider kind", group(set("providerRef", map[string]any{"kind": "Issuer", "name": "x"})), `spec.providerRef.kind: Unsupported value: "Issuer"`},
		{"1025 members", group(set("members", numbers(0, 1025))), "spec.members: Too many: 1025: must have at most 1024 items"},
		{"members and admins over 1024", group(all(set("members", numbers(0, 1000)), set("admins", numbers(1000, 25)))), "members and admins together exceed WhatsApp's limit of 1024 participants"},
		{"maxRemovalPercent over 100", group(set("safety", map[string]any{"maxRemovalPercent": 101})), "spec.safety.maxRemovalPercent: Invalid value: 101: spec.safety.maxRemovalPercent in body should be less than or equal to 100"},
		{"http endpoint without allowInsecureHTTP", provider("WhatsAppProvider", set("endpoint", "http://waha.lab:3000")), "plain http:// endpoints need allowInsecureHTTP: true"},
		{"endpoint not http(s)", provider("WhatsAppProvider", set("endpoint", "ftp://files.example.com")), `spec.endpoint in body should match '^https?://`},
		{"self-hosted type without endpoint", provider("WhatsAppProvider", set("type", "WAHA")), "endpoint is required for self-hosted provider types"},
		{"unknown provider type", provider("WhatsAppProvider", set("type", "Twilio")), `spec.type: Unsupported value: "Twilio"`},
		{"WhatsAppProvider with credentialsRef.namespace", provider("WhatsAppProvider", setCredentialsNamespace("wagov-system")), "a WhatsAppProvider reads its Secret from its own namespace"},
		{"ClusterWhatsAppProvider without credentialsRef.namespace", provider("ClusterWhatsAppProvider", setCredentialsNamespace("")), "credentialsRef.namespace is required for a ClusterWhatsAppProvider"},
		{"ClusterWhatsAppProvider http endpoint", provider("ClusterWhatsAppProvider", set("endpoint", "http://waha.lab:3000")), "plain http:// endpoints need allowInsecureHTTP: true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := k8s.Create(context.Background(), tc.obj, client.DryRunAll)
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want Invalid, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("message does not say %q:\n%v", tc.want, err)
			}
		})
	}
}

func TestCRDValidationAccepts(t *testing.T) {
	needEnv(t)
	ensureValidationNamespace(t)
	for _, tc := range []struct {
		name string
		obj  *unstructured.Unstructured
	}{
		{"group as in the README", group(unchanged)},
		{"members only", group(unset("admins"))},
		{"admins only", group(unset("members"))},
		{"1024 participants, admins among members", group(all(set("members", numbers(0, 1000)), set("admins", append(numbers(990, 10), numbers(1000, 24)...))))},
		{"interval 30s", group(set("interval", "30s"))},
		{"interval 24h", group(set("interval", "24h"))},
		{"Sync and PromoteOnly", group(all(set("membershipPolicy", "Sync"), set("adminPolicy", "PromoteOnly")))},
		{"ClusterWhatsAppProvider reference", group(set("providerRef", map[string]any{"kind": "ClusterWhatsAppProvider", "name": "shared"}))},
		{"group JID", group(set("groupID", "120363025246125486@g.us"))},
		{"hosted provider with default endpoint", provider("WhatsAppProvider", unchanged)},
		{"http endpoint with allowInsecureHTTP", provider("WhatsAppProvider", all(set("type", "WAHA"), set("endpoint", "http://waha.lab:3000"), set("allowInsecureHTTP", true)))},
		{"self-hosted over https", provider("WhatsAppProvider", all(set("type", "Evolution"), set("endpoint", "https://evolution.example.com")))},
		{"ClusterWhatsAppProvider with namespace restrictions", provider("ClusterWhatsAppProvider", all(
			set("allowedNamespaces", []any{"community"}),
			set("namespaceSelector", map[string]any{"matchLabels": map[string]any{"team": "field"}}),
		))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := k8s.Create(context.Background(), tc.obj, client.DryRunAll); err != nil {
				t.Fatalf("a valid object was refused: %v", err)
			}
		})
	}
}

// ensureValidationNamespace creates the namespace the namespaced objects are dry-run in.
func ensureValidationNamespace(t *testing.T) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: validationNamespace}}
	if err := k8s.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}
