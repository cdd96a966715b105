package manifests_test

// The chart's shards: one more Deployment per shard, each watching only its label value with a
// Lease of its own, the main one watching what no shard has, and no two Deployments selecting
// one another's pods.

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

func TestChartDeploysShards(t *testing.T) {
	needEnv(t)
	objs := decode(t, helmTemplate(t, "--set", "sharding.shards={shard1,shard2}", "--show-only", "templates/deployment.yaml"))
	if len(objs) != 3 {
		t.Fatalf("%d Deployments, want the main one and one per shard", len(objs))
	}
	want := map[string]struct{ selector, lease string }{
		"wagov":        {"--watch-label-selector=!sharding.fluxcd.io/key", "wagov.whatsapp.wagov.dev"},
		"wagov-shard1": {"--watch-label-selector=sharding.fluxcd.io/key=shard1", "wagov-shard1.whatsapp.wagov.dev"},
		"wagov-shard2": {"--watch-label-selector=sharding.fluxcd.io/key=shard2", "wagov-shard2.whatsapp.wagov.dev"},
	}
	for _, d := range objs {
		w, ok := want[d.GetName()]
		if !ok {
			t.Errorf("unexpected Deployment %s", d.GetName())
			continue
		}
		args := containerArgs(t, d)
		if !slices.Contains(args, w.selector) || !slices.Contains(args, "--leader-election-id="+w.lease) {
			t.Errorf("%s: args %v, want %s and its own Lease %s", d.GetName(), args, w.selector, w.lease)
		}
		for _, other := range objs {
			if other.GetName() == d.GetName() {
				continue
			}
			if sel := selectorOf(t, d); sel.Matches(labels.Set(podLabels(t, other))) {
				t.Errorf("%s's selector %s selects %s's pods", d.GetName(), sel, other.GetName())
			}
		}
	}
	plain := decode(t, helmTemplate(t, "--show-only", "templates/deployment.yaml"))
	for _, a := range containerArgs(t, plain[0]) {
		if strings.HasPrefix(a, "--watch-label-selector") {
			t.Errorf("without shards the Deployment has %s, want every group watched", a)
		}
	}
}

func containerArgs(t *testing.T, d *unstructured.Unstructured) []string {
	t.Helper()
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if len(containers) == 0 {
		t.Fatalf("%s has no container", d.GetName())
	}
	args, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
	return args
}

func selectorOf(t *testing.T, d *unstructured.Unstructured) labels.Selector {
	t.Helper()
	m, _, _ := unstructured.NestedStringMap(d.Object, "spec", "selector", "matchLabels")
	return labels.SelectorFromSet(m)
}

func podLabels(t *testing.T, d *unstructured.Unstructured) map[string]string {
	t.Helper()
	m, _, _ := unstructured.NestedStringMap(d.Object, "spec", "template", "metadata", "labels")
	return m
}
