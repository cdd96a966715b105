package manifests_test

// Checks what wagov ships besides its code (the Helm chart, the kustomize config, the samples)
// against a real kube-apiserver started by envtest with the generated CRDs installed. kubectl
// and helm are the ones `make tools` builds into bin/; they reach the apiserver through a
// kubeconfig for an envtest admin user.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/testenv"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// operatorNamespace is where the chart and config/default install the operator in these tests.
// It enforces and warns on the "restricted" Pod Security Standard.
const operatorNamespace = "wagov-system"

var (
	root       string        // the repository root
	k8s        client.Client // an admin client of the envtest apiserver; nil when envtest is skipped
	kubeconfig string        // the same admin user, for kubectl
	skipEnv    string        // why the envtest checks are skipped, if they are
	scratch    string        // a temporary directory for the tools' homes, caches and kubeconfig
	toolEnv    []string      // environment for helm and kubectl: scratch homes and caches
)

func TestMain(m *testing.M) {
	var err error
	if root, err = testenv.Root(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" && os.Getenv("WAGOV_REQUIRE_ENVTEST") == "1" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run `make test`, which builds the control plane into bin/")
		os.Exit(1)
	}
	os.Exit(runTests(m))
}

// runTests gives helm and kubectl a scratch home, starts the control plane unless
// KUBEBUILDER_ASSETS is unset, runs the tests and cleans up.
func runTests(m *testing.M) int {
	var err error
	if scratch, err = os.MkdirTemp("", "wagov-manifests-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(scratch) }()
	toolEnv = append(os.Environ(),
		"HOME="+scratch,
		"HELM_CACHE_HOME="+filepath.Join(scratch, "helm-cache"),
		"HELM_CONFIG_HOME="+filepath.Join(scratch, "helm-config"),
		"HELM_DATA_HOME="+filepath.Join(scratch, "helm-data"),
	)
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		skipEnv = "KUBEBUILDER_ASSETS is not set; `make test` runs the checks against a real apiserver"
		return m.Run()
	}

	// testdata holds a stand-in ServiceMonitor CRD for the chart's optional ServiceMonitor.
	cp, err := testenv.StartControlPlane(testenv.WithCRDs(filepath.Join(root, "test", "manifests", "testdata")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = cp.Stop() }()
	if err := connect(cp); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// connect sets k8s and kubeconfig up for an admin user and creates the operator's namespace.
func connect(cp *testenv.ControlPlane) error {
	path, cfg, err := cp.User(scratch, "admin", "system:masters")
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 200, 400 // client-go's default of 5 a second would pace the validation tables
	if k8s, err = client.New(cfg, client.Options{}); err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	kubeconfig = path
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted",
		"pod-security.kubernetes.io/warn":    "restricted",
	}}}
	return k8s.Create(context.Background(), ns)
}

// needEnv skips a test that needs the apiserver when envtest is not running.
func needEnv(t *testing.T) {
	t.Helper()
	if skipEnv != "" {
		t.Skip(skipEnv)
	}
}

// tool returns the path of a tool built into bin/, skipping (or, under `make test`, failing)
// the test when it has not been built.
func tool(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(root, "bin", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("WAGOV_REQUIRE_ENVTEST") == "1" {
			t.Fatalf("%s is missing: run `make test`, which builds it", p)
		}
		t.Skipf("%s is missing; `make test` builds it", p)
	}
	return p
}

// run runs a tool from bin/ in the repository root and returns its stdout and stderr.
func run(t *testing.T, stdin []byte, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if name == "kubectl" {
		args = append([]string{"--kubeconfig", kubeconfig, "--cache-dir", filepath.Join(scratch, "kubectl-cache")}, args...)
	}
	cmd := exec.CommandContext(ctx, tool(t, name), args...)
	cmd.Dir = root
	cmd.Env = toolEnv
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// mustRun is run for commands that must succeed.
func mustRun(t *testing.T, stdin []byte, name string, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errOut)
	}
	return out
}

// serverDryRun applies manifests with a server-side dry run and fails the test on an error or
// on any warning (deprecated APIs, Pod Security violations).
func serverDryRun(t *testing.T, manifests []byte, extraArgs ...string) {
	t.Helper()
	_, errOut, err := run(t, manifests, "kubectl", append([]string{"apply", "--server-side", "--dry-run=server", "-f", "-"}, extraArgs...)...)
	if err != nil {
		t.Fatalf("kubectl apply --dry-run=server: %v\n%s", err, errOut)
	}
	if strings.Contains(errOut, "Warning") {
		t.Fatalf("kubectl apply --dry-run=server warned:\n%s", errOut)
	}
}

// decode splits a multi-document YAML stream into objects.
func decode(t *testing.T, manifests []byte) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifests), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("decode manifests: %v", err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// helmTemplate renders the chart as release "wagov" in the operator's namespace.
func helmTemplate(t *testing.T, args ...string) []byte {
	t.Helper()
	base := []string{"template", "wagov", "charts/wagov", "--namespace", operatorNamespace}
	return []byte(mustRun(t, nil, "helm", append(base, args...)...))
}

func TestChartAppliesToServer(t *testing.T) {
	needEnv(t)
	for _, tc := range []struct {
		name string
		set  []string
	}{
		{"defaults", nil},
		{"two replicas, no metrics", []string{"--set", "replicaCount=2", "--set", "metrics.enabled=false"}},
		{"no leader election", []string{"--set", "leaderElect=false", "--set", "serviceAccount.name=wagov-operator"}},
		{"ServiceMonitor and NetworkPolicy", []string{
			"--set", "metrics.serviceMonitor.enabled=true",
			"--set", "metrics.serviceMonitor.labels.release=kube-prometheus-stack",
			"--set", "metrics.serviceMonitor.interval=1m",
			"--set", "metrics.serviceMonitor.metricRelabelings[0].action=keep",
			"--set", "metrics.serviceMonitor.metricRelabelings[0].sourceLabels[0]=__name__",
			"--set", "metrics.serviceMonitor.metricRelabelings[0].regex=wagov_.*",
			"--set", "networkPolicy.enabled=true",
			"--set", "networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=monitoring",
			"--set", "networkPolicy.egress[0].ports[0].port=53",
			"--set", "networkPolicy.egress[0].ports[0].protocol=UDP",
			"--set", "networkPolicy.egress[1].ports[0].port=443",
		}},
		{"NetworkPolicy without metrics", []string{"--set", "metrics.enabled=false", "--set", "networkPolicy.enabled=true"}},
		{"secure metrics and ServiceMonitor", []string{"--set", "metrics.secure=true", "--set", "metrics.serviceMonitor.enabled=true"}},
		{"PodDisruptionBudget, spread, a CA bundle", []string{
			"--set", "replicaCount=2",
			"--set", "podDisruptionBudget.enabled=true",
			"--set", "podDisruptionBudget.minAvailable=1",
			"--set", "topologySpreadConstraints[0].maxSkew=1",
			"--set", "topologySpreadConstraints[0].topologyKey=topology.kubernetes.io/zone",
			"--set", "topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway",
			"--set", "extraEnv[0].name=SSL_CERT_DIR",
			"--set", "extraEnv[0].value=/etc/wagov/ca",
			"--set", "extraVolumes[0].name=provider-ca",
			"--set", "extraVolumes[0].configMap.name=provider-ca",
			"--set", "extraVolumeMounts[0].name=provider-ca",
			"--set", "extraVolumeMounts[0].mountPath=/etc/wagov/ca",
			"--set", "extraVolumeMounts[0].readOnly=true",
		}},
		{"watched namespaces", []string{"--set", "watchNamespaces={team-a,team-b}"}},
		{"two shards", []string{"--set", "sharding.shards={shard1,shard2}"}},
		{"no CRDs", []string{"--set", "crds.enabled=false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifests := helmTemplate(t, tc.set...)
			ensureNamespaces(t, decode(t, manifests))
			serverDryRun(t, manifests)
		})
	}
}

// TestChartPodSecurityCheckBites makes sure TestChartAppliesToServer would notice a chart that
// breaks the "restricted" Pod Security Standard.
func TestChartPodSecurityCheckBites(t *testing.T) {
	needEnv(t)
	manifests := helmTemplate(t, "--set", "securityContext.allowPrivilegeEscalation=true")
	_, errOut, err := run(t, manifests, "kubectl", "apply", "--server-side", "--dry-run=server", "-f", "-")
	if err != nil {
		t.Fatalf("kubectl apply --dry-run=server: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "would violate PodSecurity") {
		t.Fatalf("no Pod Security warning for allowPrivilegeEscalation=true; stderr:\n%s", errOut)
	}
}

// TestChartOptionalObjects checks that the optional objects are rendered only when asked for.
func TestChartOptionalObjects(t *testing.T) {
	const crds = "CustomResourceDefinition"
	// The CRDs, the manager's ClusterRole and binding, the leader election Role and binding.
	always := map[string]int{crds: 3, "ClusterRole": 1, "ClusterRoleBinding": 1, "Role": 1, "RoleBinding": 1}
	// with is always, plus (or minus) more.
	with := func(more map[string]int) map[string]int {
		want := maps.Clone(always)
		for k, n := range more {
			if want[k] += n; want[k] == 0 {
				delete(want, k)
			}
		}
		return want
	}
	for _, tc := range []struct {
		name string
		set  []string
		want map[string]int // how many objects of each counted kind
	}{
		{"defaults", nil, always},
		{"ServiceMonitor", []string{"--set", "metrics.serviceMonitor.enabled=true"}, with(map[string]int{"ServiceMonitor": 1})},
		{"NetworkPolicy", []string{"--set", "networkPolicy.enabled=true"}, with(map[string]int{"NetworkPolicy": 1})},
		{"both", []string{"--set", "metrics.serviceMonitor.enabled=true", "--set", "networkPolicy.enabled=true"}, with(map[string]int{"NetworkPolicy": 1, "ServiceMonitor": 1})},
		{"PodDisruptionBudget", []string{"--set", "podDisruptionBudget.enabled=true"}, with(map[string]int{"PodDisruptionBudget": 1})},
		{"no CRDs", []string{"--set", "crds.enabled=false"}, with(map[string]int{crds: -3})},
		// The metrics-auth ClusterRole and binding, and the metrics-reader ClusterRole.
		{"secure metrics", []string{"--set", "metrics.secure=true"}, with(map[string]int{"ClusterRole": 2, "ClusterRoleBinding": 1})},
		{"secure, but no metrics", []string{"--set", "metrics.secure=true", "--set", "metrics.enabled=false"}, always},
		// A Role and binding in each watched namespace, and for the release namespace's Secrets.
		{"watched namespaces", []string{"--set", "watchNamespaces={team-a,team-b}"}, with(map[string]int{"Role": 3, "RoleBinding": 3})},
		{"watched namespaces with the release's", []string{"--set", "watchNamespaces={team-a," + operatorNamespace + "}"}, with(map[string]int{"Role": 2, "RoleBinding": 2})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]int{}
			for _, o := range decode(t, helmTemplate(t, tc.set...)) {
				if slices.Contains(counted, o.GetKind()) {
					got[o.GetKind()]++
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("rendered %v, want %v", got, tc.want)
			}
		})
	}
}

// counted are the kinds TestChartOptionalObjects counts: those whose number depends on the values.
var counted = []string{
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
	"NetworkPolicy", "PodDisruptionBudget", "ServiceMonitor",
}

// TestChartValuesSchemaRefuses checks that values.schema.json catches typos and bad values
// before anything reaches the cluster.
func TestChartValuesSchemaRefuses(t *testing.T) {
	for _, tc := range []struct {
		set, want string
	}{
		{"metrics.enabeld=false", "additional properties 'enabeld' not allowed"},
		{"replicas=2", "additional properties 'replicas' not allowed"},
		{"metrics.serviceMonitor.enable=true", "additional properties 'enable' not allowed"},
		{"networkPolicy.egres[0].ports[0].port=53", "additional properties 'egres' not allowed"},
		{"image.pullPolicy=Sometimes", "/image/pullPolicy"},
		{"controller.confirmAfter=10", "/controller/confirmAfter"},
		{"controller.providerRecheck=ten minutes", "/controller/providerRecheck"},
		{"controller.groupConcurrency=0", "/controller/groupConcurrency"},
		{"logging.level=verbose", "/logging/level"},
		{"logging.encoder=text", "/logging/encoder"},
		{"metrics.port=80800", "/metrics/port"},
		{"metrics.serviceMonitor.interval=1.5m", "/metrics/serviceMonitor/interval"},
		{"extraArgs[0]=leader-elect", "/extraArgs/0"},
		{"crds.enable=false", "additional properties 'enable' not allowed"},
		{"crds.keep=yes", "/crds/keep"},
		{"metrics.secure=yes", "/metrics/secure"},
		{"watchNamespaces[0]=Team_A", "/watchNamespaces/0"},
		{"watchNamespaces={team-a,team-a}", "/watchNamespaces"},
		{"podDisruptionBudget.minAvailable=half", "/podDisruptionBudget/minAvailable"},
		{"podDisruptionBudget.maxUnavaiable=1", "additional properties 'maxUnavaiable' not allowed"},
		{"extraEnv[0].value=/etc/ssl/ca.pem", "/extraEnv/0"},
		{"extraVolumeMounts[0].name=provider-ca", "/extraVolumeMounts/0"},
		{"topologySpreadConstraints[0]=zone", "/topologySpreadConstraints/0"},
	} {
		t.Run(tc.set, func(t *testing.T) {
			_, errOut, err := run(t, nil, "helm", "template", "wagov", "charts/wagov", "--set", tc.set)
			if err == nil || !strings.Contains(errOut, tc.want) {
				t.Fatalf("want a schema error mentioning %q, got err=%v\n%s", tc.want, err, errOut)
			}
		})
	}
}

func TestChartRefusesServiceMonitorWithoutMetrics(t *testing.T) {
	_, errOut, err := run(t, nil, "helm", "template", "wagov", "charts/wagov", "--set", "metrics.enabled=false", "--set", "metrics.serviceMonitor.enabled=true")
	if err == nil || !strings.Contains(errOut, "needs metrics.enabled") {
		t.Fatalf("want a refusal naming metrics.enabled, got err=%v\n%s", err, errOut)
	}
}

func TestChartRefusesPodDisruptionBudgetWithoutBound(t *testing.T) {
	_, errOut, err := run(t, nil, "helm", "template", "wagov", "charts/wagov", "--set", "podDisruptionBudget.enabled=true", "--set", "podDisruptionBudget.maxUnavailable=")
	if err == nil || !strings.Contains(errOut, "needs podDisruptionBudget.minAvailable or maxUnavailable") {
		t.Fatalf("want a refusal naming minAvailable and maxUnavailable, got err=%v\n%s", err, errOut)
	}
}

func TestChartRefusesReplicasWithoutLeaderElection(t *testing.T) {
	_, errOut, err := run(t, nil, "helm", "template", "wagov", "charts/wagov", "--set", "replicaCount=2", "--set", "leaderElect=false")
	if err == nil || !strings.Contains(errOut, "needs leaderElect") {
		t.Fatalf("want a refusal naming leaderElect, got err=%v\n%s", err, errOut)
	}
}

func TestHelmLintStrict(t *testing.T) {
	mustRun(t, nil, "helm", "lint", "--strict", "charts/wagov")
}

func TestKustomizeDefaultAppliesToServer(t *testing.T) {
	needEnv(t)
	serverDryRun(t, []byte(mustRun(t, nil, "kubectl", "kustomize", "config/default")))
}

func TestSamplesAcceptedByServer(t *testing.T) {
	needEnv(t)
	dir := filepath.Join(root, "config", "samples")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if e.Name() != "kustomization.yaml" && strings.HasSuffix(e.Name(), ".yaml") {
			files = append(files, e.Name())
		}
	}
	var kustomization struct{ Resources []string }
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &kustomization); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(kustomization.Resources)); !slices.Equal(got, files) {
		t.Errorf("config/samples/kustomization.yaml lists %v, the directory holds %v", got, files)
	}

	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			manifest, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			ensureNamespaces(t, decode(t, manifest))
			serverDryRun(t, manifest)
		})
	}
}

// ensureNamespaces creates the namespaces that objects live in, which a dry run cannot do.
func ensureNamespaces(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		if o.GetNamespace() == "" {
			continue
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.GetNamespace()}}
		if err := k8s.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
}

// TestChartMatchesGenerated checks that hack/sync-chart.sh ran after the last `make manifests`:
// the chart's templates render the generated CRDs (with the chart's labels and keep policy) and
// grant exactly the generated RBAC rules.
func TestChartMatchesGenerated(t *testing.T) {
	t.Run("crds", func(t *testing.T) {
		want := map[string]*unstructured.Unstructured{}
		for _, raw := range readDir(t, filepath.Join(root, "config", "crd", "bases")) {
			for _, o := range decode(t, raw) {
				want[o.GetName()] = o
			}
		}
		if len(want) == 0 {
			t.Fatal("config/crd/bases is empty")
		}
		got := map[string]*unstructured.Unstructured{}
		for _, o := range renderedCRDs(t) {
			o.SetLabels(nil)
			annotations := o.GetAnnotations()
			delete(annotations, keepPolicy)
			o.SetAnnotations(annotations)
			got[o.GetName()] = o
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("the chart's CRD templates differ from config/crd/bases: run `make manifests`")
		}
	})
	t.Run("rbac", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(root, "config", "rbac", "role.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var generated rbacv1.ClusterRole
		if err := yaml.Unmarshal(raw, &generated); err != nil {
			t.Fatal(err)
		}
		if len(generated.Rules) == 0 {
			t.Fatal("config/rbac/role.yaml has no rules")
		}
		rendered := helmTemplate(t, "--show-only", "templates/clusterrole.yaml")
		var chart rbacv1.ClusterRole
		if err := yaml.Unmarshal(rendered, &chart); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(chart.Rules, generated.Rules) {
			t.Errorf("the chart's ClusterRole rules differ from config/rbac/role.yaml: run `make manifests`\nchart: %+v\nwant:  %+v", chart.Rules, generated.Rules)
		}
	})
}

// readDir returns the contents of the .yaml files in dir by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, m := range matches {
		if files[filepath.Base(m)], err = os.ReadFile(m); err != nil {
			t.Fatal(err)
		}
	}
	return files
}
