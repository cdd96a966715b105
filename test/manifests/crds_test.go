package manifests_test

// The chart's CRDs are templates (templates/crds/, written by hack/sync-chart.sh), so that
// `helm upgrade` updates them: rendered only with crds.enabled, kept on uninstall with crds.keep.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/testenv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// keepPolicy is the annotation with which Helm leaves an object in place on uninstall.
const keepPolicy = "helm.sh/resource-policy"

// renderedCRDs are the CRDs the chart renders with the given helm template arguments.
func renderedCRDs(t *testing.T, args ...string) []*unstructured.Unstructured {
	t.Helper()
	var crds []*unstructured.Unstructured
	for _, o := range decode(t, helmTemplate(t, args...)) {
		if o.GetKind() == "CustomResourceDefinition" {
			crds = append(crds, o)
		}
	}
	return crds
}

func TestChartCRDsKeepPolicy(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  []string
		want string
	}{
		{"defaults", nil, "keep"},
		{"crds.keep=false", []string{"--set", "crds.keep=false"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			crds := renderedCRDs(t, tc.set...)
			if len(crds) != 3 {
				t.Fatalf("rendered %d CRDs, want 3", len(crds))
			}
			for _, o := range crds {
				if got := o.GetAnnotations()[keepPolicy]; got != tc.want {
					t.Errorf("%s: %s is %q, want %q", o.GetName(), keepPolicy, got, tc.want)
				}
				if got := o.GetLabels()["app.kubernetes.io/instance"]; got != "wagov" {
					t.Errorf("%s: app.kubernetes.io/instance is %q, want the release's labels", o.GetName(), got)
				}
			}
		})
	}
}

// TestChartUpgradesCRDs installs the chart on a fresh apiserver, upgrades it to a chart whose
// CRD changed, then to crds.enabled=false, and uninstalls it: the first upgrade changes the CRD
// on the server, and neither the second nor the uninstall deletes it.
func TestChartUpgradesCRDs(t *testing.T) {
	needEnv(t)
	kc, c := newCluster(t)
	helm := func(args ...string) {
		t.Helper()
		mustRun(t, nil, "helm", append(args, "--kubeconfig", kc, "--namespace", operatorNamespace, "--wait=hookOnly")...)
	}
	const (
		crd    = "whatsappgroups.whatsapp.wagov.dev"
		marker = "Changed by TestChartUpgradesCRDs."
	)

	helm("install", "wagov", "charts/wagov", "--create-namespace")
	installed := serverCRD(t, c, crd)
	if got := installed.GetAnnotations()[keepPolicy]; got != "keep" {
		t.Errorf("the installed CRD's %s is %q, want keep", keepPolicy, got)
	}
	if strings.HasPrefix(description(t, installed), marker) {
		t.Fatalf("the chart's CRD already has the test's description")
	}

	helm("upgrade", "wagov", changedChart(t, crd, marker), "--reuse-values")
	if got := description(t, serverCRD(t, c, crd)); !strings.HasPrefix(got, marker) {
		t.Errorf("helm upgrade left the CRD's description at %q, want it to start with %q", got, marker)
	}

	helm("upgrade", "wagov", "charts/wagov", "--reuse-values", "--set", "crds.enabled=false")
	serverCRD(t, c, crd)
	helm("uninstall", "wagov")
	serverCRD(t, c, crd)
}

// newCluster starts a kube-apiserver of its own for the test, with no CRDs installed, and returns
// an admin kubeconfig and client for it.
func newCluster(t *testing.T) (string, client.Client) {
	t.Helper()
	cp, err := testenv.StartControlPlane(testenv.WithoutCRDs())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.Stop() })
	kc, cfg, err := cp.User(t.TempDir(), "admin", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return kc, c
}

// changedChart copies the chart and puts marker at the start of the schema description of crd.
func changedChart(t *testing.T, crd, marker string) string {
	t.Helper()
	chart := filepath.Join(t.TempDir(), "wagov")
	if err := os.CopyFS(chart, os.DirFS(filepath.Join(root, "charts", "wagov"))); err != nil {
		t.Fatal(err)
	}
	plural, _, _ := strings.Cut(crd, ".")
	file := filepath.Join(chart, "templates", "crds", "whatsapp.wagov.dev_"+plural+".yaml")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	const start = "      openAPIV3Schema:\n        description: |-\n"
	if !strings.Contains(string(raw), start) {
		t.Fatalf("%s has no schema description to change", file)
	}
	changed := strings.Replace(string(raw), start, start+"          "+marker+"\n", 1)
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	return chart
}

// serverCRD reads a CRD from the apiserver, failing the test when it is not there or is being
// deleted.
func serverCRD(t *testing.T, c client.Client, name string) *unstructured.Unstructured {
	t.Helper()
	o := &unstructured.Unstructured{}
	o.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
	if err := c.Get(context.Background(), client.ObjectKey{Name: name}, o); err != nil {
		t.Fatalf("get CRD %s: %v", name, err)
	}
	if o.GetDeletionTimestamp() != nil {
		t.Fatalf("CRD %s is being deleted", name)
	}
	return o
}

// description is the schema description of a CRD's first version.
func description(t *testing.T, crd *unstructured.Unstructured) string {
	t.Helper()
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	if len(versions) == 0 {
		t.Fatalf("CRD %s has no versions", crd.GetName())
	}
	v, _ := versions[0].(map[string]any)
	d, _, _ := unstructured.NestedString(v, "schema", "openAPIV3Schema", "description")
	return d
}
