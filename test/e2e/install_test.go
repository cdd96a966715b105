package e2e

// The story a user lives through: helm install, apply a provider and groups, watch them
// converge, helm upgrade (the operator restarts with the new values), helm uninstall. Once the
// groups have converged, neither the upgrade nor the uninstall may write to a WhatsApp group.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/test/health"
)

const (
	release           = "wagov"
	operatorNamespace = "wagov-system"
	groupsNamespace   = "community"
	// apiKey is the seed account's credential; it must never show in the operator's log.
	apiKey = "e2e-2chat-api-key"
)

var crds = []string{
	"crd/whatsappgroups.whatsapp.wagov.dev",
	"crd/whatsappproviders.whatsapp.wagov.dev",
	"crd/clusterwhatsappproviders.whatsapp.wagov.dev",
}

// converged is every group's roster once wagov has applied testdata/manifests.yaml to
// testdata/world.yaml: group id → phone → role.
var converged = map[string]map[string]string{
	"WAGe2e00001-0000-4000-8000-000000000001": { // field-team: 2 adds, 1 promotion
		"+12125550111": "superadmin", "+12123334444": "admin",
		"+447700900611": "admin", "+447700900612": "member", "+447700900613": "member",
	},
	"WAGe2e00002-0000-4000-8000-000000000002": { // shared-board: 1 add, 1 demotion
		"+12125550112": "superadmin", "+12123334444": "admin",
		"+447700900621": "admin", "+447700900622": "member", "+447700900624": "member", "+447700900623": "member",
	},
}

func TestHelmInstallRunUpgradeUninstall(t *testing.T) {
	needEnv(t)
	admin := env.admin

	out := admin.helm(t, "install", release, "charts/wagov", "--namespace", operatorNamespace, "--create-namespace",
		"--wait=hookOnly", // nothing runs the Deployment's pod here, so there is nothing to wait for
		"--set", "controller.confirmAfter=1s")
	if !strings.Contains(out, "`helm upgrade` updates them with the chart") {
		t.Errorf("helm install printed no NOTES on upgrading CRDs:\n%s", out)
	}
	admin.kubectl(t, append([]string{"wait", "--for=condition=Established", "--timeout=30s"}, crds...)...)

	dep := deployment(t)
	sa, err := serviceAccountUser(operatorNamespace, dep.Spec.Template.Spec.ServiceAccountName)
	if err != nil {
		t.Fatal(err)
	}
	if !t.Run("the ServiceAccount may do what wagov needs and nothing else", func(t *testing.T) { checkRBAC(t, sa) }) {
		t.FailNow()
	}

	_, endpoint := startSim(t, filepath.Join(env.root, "test", "e2e", "testdata", "world.yaml"))
	ctl := sim.Control{BaseURL: endpoint, HTTP: &http.Client{Timeout: 10 * time.Second}}
	admin.must(t, renderManifests(t, endpoint), "kubectl", "apply", "-f", "-")

	op := startOperator(t, sa, containerArgs(t, dep))
	admin.kubectl(t, "wait", "--for=condition=Ready", "whatsappgroup", "--all", "-n", groupsNamespace, "--timeout=60s")
	rosters := readRosters(t, ctl)
	for id, want := range converged {
		if got := roles(rosters[id]); !reflect.DeepEqual(got, want) {
			t.Errorf("group %s after convergence:\n got  %v\n want %v", id, got, want)
		}
	}
	checkGitOpsHealth(t)
	checkEvents(t)
	checkMetrics(t, op)
	firstLeader := leaseHolder(t)

	// From here on, nothing may write to a WhatsApp group.
	if err := ctl.ResetCalls(context.Background()); err != nil {
		t.Fatal(err)
	}

	admin.helm(t, "upgrade", release, "charts/wagov", "--namespace", operatorNamespace, "--wait=hookOnly",
		"--reuse-values", "--set", "logging.level=debug")
	dep = deployment(t)
	args := containerArgs(t, dep)
	if !slices.Contains(args, "--zap-log-level=debug") {
		t.Fatalf("helm upgrade did not change the Deployment's args: %v", args)
	}
	// The rollout: the old pod stops and hands the Lease over, a new one starts with the new args
	// and syncs every group again.
	op.stop()
	checkLog(t, op.log(t))
	op = startOperator(t, sa, args)
	awaitResync(t, op, ctl)
	if leader := leaseHolder(t); leader == firstLeader {
		t.Errorf("the restarted operator did not take the Lease over from %s", firstLeader)
	}
	checkUntouched(t, ctl, rosters)
	checkLog(t, op.log(t))

	admin.helm(t, "uninstall", release, "--namespace", operatorNamespace, "--wait=hookOnly")
	op.stop() // the pod goes with its Deployment
	if _, errOut, err := admin.run(nil, "kubectl", "get", "deployment/"+dep.Name, "-n", operatorNamespace); err == nil || !strings.Contains(errOut, "NotFound") {
		t.Errorf("helm uninstall left deployment/%s behind (%v): %s", dep.Name, err, errOut)
	}
	admin.kubectl(t, append([]string{"get"}, crds...)...)
	if groups := admin.list(t, "whatsappgroups", "-n", groupsNamespace); len(groups) != len(converged) {
		t.Errorf("after helm uninstall %d WhatsAppGroups remain, want %d", len(groups), len(converged))
	}
	checkUntouched(t, ctl, rosters)
}

// deployment returns the chart's Deployment as the API server holds it.
func deployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	out := env.admin.kubectl(t, "get", "deployments", "-n", operatorNamespace, "-l", "app.kubernetes.io/instance="+release, "-o", "json")
	var l appsv1.DeploymentList
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 1 {
		t.Fatalf("want the chart's one Deployment, found %d", len(l.Items))
	}
	return &l.Items[0]
}

// containerArgs are the operator container's arguments: what the pod would run wagov with.
func containerArgs(t *testing.T, d *appsv1.Deployment) []string {
	t.Helper()
	c := d.Spec.Template.Spec.Containers
	if len(c) != 1 || len(c[0].Command) != 0 {
		t.Fatalf("want one container that passes args to the image's wagov entrypoint, got %+v", c)
	}
	return c[0].Args
}

// checkRBAC asks the API server, as the operator's ServiceAccount, what it may do.
func checkRBAC(t *testing.T, sa user) {
	all, ops, groups := "--all-namespaces", "--namespace="+operatorNamespace, "--namespace="+groupsNamespace
	for _, tc := range []struct {
		verb, resource, scope string
		want                  bool
	}{
		// What wagov does.
		{"get", "secrets", all, true},
		{"list", "secrets", all, true},
		{"watch", "secrets", all, true},
		{"list", "namespaces", "", true},
		{"watch", "whatsappgroups.whatsapp.wagov.dev", all, true},
		{"watch", "whatsappproviders.whatsapp.wagov.dev", all, true},
		{"watch", "clusterwhatsappproviders.whatsapp.wagov.dev", "", true},
		{"patch", "whatsappgroups.whatsapp.wagov.dev/status", all, true},
		{"update", "whatsappproviders.whatsapp.wagov.dev/status", all, true},
		{"update", "clusterwhatsappproviders.whatsapp.wagov.dev/status", "", true},
		{"create", "events.events.k8s.io", groups, true},
		{"get", "leases.coordination.k8s.io", ops, true},
		{"create", "leases.coordination.k8s.io", ops, true},
		{"update", "leases.coordination.k8s.io", ops, true},
		{"create", "events", ops, true},
		{"get", "configmaps", all, true}, // membersFrom / adminsFrom lists
		// What it must not.
		{"delete", "secrets", all, false},
		{"update", "secrets", all, false},
		{"create", "secrets", groups, false},
		{"update", "whatsappgroups.whatsapp.wagov.dev", all, false},
		{"patch", "whatsappgroups.whatsapp.wagov.dev", all, false},
		{"delete", "whatsappgroups.whatsapp.wagov.dev", all, false},
		{"create", "whatsappgroups.whatsapp.wagov.dev", groups, false},
		{"update", "whatsappproviders.whatsapp.wagov.dev", all, false},
		{"delete", "clusterwhatsappproviders.whatsapp.wagov.dev", "", false},
		{"update", "customresourcedefinitions.apiextensions.k8s.io", "", false},
		{"create", "leases.coordination.k8s.io", groups, false},
		{"delete", "leases.coordination.k8s.io", ops, false},
		{"create", "events", groups, false},
		{"update", "configmaps", all, false},
		{"delete", "configmaps", all, false},
		{"create", "pods", ops, false},
	} {
		args := []string{}
		if tc.scope != "" {
			args = append(args, tc.scope)
		}
		name := fmt.Sprintf("%s %s %s", tc.verb, tc.resource, tc.scope)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			verb, resource := tc.verb, tc.resource
			if r, sub, ok := strings.Cut(resource, "/"); ok {
				resource, args = r, append(args, "--subresource="+sub)
			}
			if got := sa.canI(t, verb, resource, args...); got != tc.want {
				t.Errorf("%s may %s %s %s: %v, want %v", sa.name, verb, tc.resource, tc.scope, got, tc.want)
			}
		})
	}
}

// manifestValues fill in testdata/manifests.yaml.
type manifestValues struct {
	Namespace, OperatorNamespace, Endpoint, APIKey, Account string
}

// renderManifests fills testdata/manifests.yaml in for the simulator at endpoint.
func renderManifests(t *testing.T, endpoint string) []byte {
	t.Helper()
	tmpl, err := template.New("manifests.yaml").Option("missingkey=error").ParseFiles(filepath.Join(env.root, "test", "e2e", "testdata", "manifests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	v := manifestValues{Namespace: groupsNamespace, OperatorNamespace: operatorNamespace, Endpoint: endpoint, APIKey: apiKey, Account: "+12123334444"}
	if err := tmpl.Execute(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readRosters reads every group of the test from the simulator.
func readRosters(t *testing.T, ctl sim.Control) map[string]sim.GroupState {
	t.Helper()
	out := map[string]sim.GroupState{}
	for id := range converged {
		g, err := ctl.Group(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = g
	}
	return out
}

func roles(g sim.GroupState) map[string]string {
	out := map[string]string{}
	for _, p := range g.Participants {
		out[p.Phone] = p.Role
	}
	return out
}

// checkUntouched fails the test if any write reached the simulator since the call log was
// reset, or if a roster differs from before.
func checkUntouched(t *testing.T, ctl sim.Control, before map[string]sim.GroupState) {
	t.Helper()
	calls, err := ctl.Calls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		switch c.Op {
		case sim.OpAdd, sim.OpRemove, sim.OpPromote, sim.OpDemote:
			t.Errorf("a WhatsApp group was written to after convergence: %s %s %s (%d members, status %d)", c.Op, c.Group, c.Path, c.Members, c.Status)
		}
	}
	if after := readRosters(t, ctl); !reflect.DeepEqual(after, before) {
		t.Errorf("rosters changed after convergence:\n before %+v\n after  %+v", before, after)
	}
}

// awaitResync waits until a freshly started operator has read every group from the provider
// and finished the syncs that followed: no group sync running and none queued.
func awaitResync(t *testing.T, op *operator, ctl sim.Control) {
	t.Helper()
	op.await(t, "read of every group and an idle group controller", 30*time.Second, func() bool {
		calls, err := ctl.Calls(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		read := map[string]bool{}
		for _, c := range calls {
			if c.Op == sim.OpRead {
				read[c.Group] = true
			}
		}
		for id := range converged {
			if !read[id] {
				return false
			}
		}
		m := op.scrape(t)
		return sum(m, "controller_runtime_reconcile_total", `controller="whatsappgroup"`) >= float64(len(converged)) &&
			sum(m, "controller_runtime_active_workers", `controller="whatsappgroup"`) == 0 &&
			sum(m, "workqueue_depth", `name="whatsappgroup"`) == 0
	})
}

// checkGitOpsHealth judges every wagov object as Flux (kstatus) and Argo CD
// (config/argocd/health.lua) do: all must be Current and Healthy.
func checkGitOpsHealth(t *testing.T) {
	t.Helper()
	argo, err := health.LoadArgoCD(filepath.Join(env.root, "config", "argocd", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	objs := append(env.admin.list(t, "whatsappgroups,whatsappproviders", "-n", groupsNamespace), env.admin.list(t, "clusterwhatsappproviders")...)
	if len(objs) != 4 {
		t.Fatalf("want 2 groups and 2 providers, found %d objects", len(objs))
	}
	for _, o := range objs {
		ks, err := status.Compute(&o)
		if err != nil {
			t.Fatal(err)
		}
		hs, err := argo.Evaluate(&o)
		if err != nil {
			t.Fatal(err)
		}
		if ks.Status != status.CurrentStatus || hs.Status != health.Healthy {
			t.Errorf("%s %s: kstatus %s (%s), Argo CD %s (%s); want Current and Healthy", o.GetKind(), o.GetName(), ks.Status, ks.Message, hs.Status, hs.Message)
		}
	}
}

// checkEvents waits for the events the operator records through events.k8s.io.
func checkEvents(t *testing.T) {
	t.Helper()
	for _, reason := range []string{"MemberAdded", "AdminPromoted", "AdminDemoted"} {
		eventually(t, reason+" event in namespace "+groupsNamespace, 10*time.Second, func() bool {
			out := env.admin.kubectl(t, "get", "events", "-n", groupsNamespace, "--field-selector", "reason="+reason, "-o", "name")
			return strings.TrimSpace(out) != ""
		})
	}
}

// checkMetrics reads the operator's /metrics after convergence.
func checkMetrics(t *testing.T, op *operator) {
	t.Helper()
	m := op.scrape(t)
	for _, c := range []struct {
		metric string
		labels []string
		min    float64
	}{
		{"wagov_provider_requests_total", []string{`provider="TwoChat"`, `operation="read"`, `result="success"`}, 2},
		{"wagov_changes_applied_total", []string{`kind="add"`}, 3},
		{"wagov_changes_applied_total", []string{`kind="promote"`}, 1},
		{"wagov_changes_applied_total", []string{`kind="demote"`}, 1},
		{"wagov_groups", []string{`ready="True"`, `reason="InSync"`}, 2},
		{"wagov_group_last_successful_sync_timestamp_seconds", []string{`namespace="` + groupsNamespace + `"`}, 1},
	} {
		if got := sum(m, c.metric, c.labels...); got < c.min {
			t.Errorf("%s%v = %v, want at least %v", c.metric, c.labels, got, c.min)
		}
	}
}

// leaseHolder is who holds the operator's leader election Lease.
func leaseHolder(t *testing.T) string {
	t.Helper()
	holder := env.admin.kubectl(t, "get", "lease", "wagov.whatsapp.wagov.dev", "-n", operatorNamespace, "-o", "jsonpath={.spec.holderIdentity}")
	if holder == "" {
		t.Fatal("nobody holds the leader election Lease")
	}
	return holder
}

// checkLog fails the test if the operator was refused anything (the chart's RBAC is short)
// or logged the API key.
func checkLog(t *testing.T, log string) {
	t.Helper()
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(strings.ToLower(line), "forbidden") {
			t.Errorf("the operator was refused something its chart should grant:\n%s", line)
		}
		if strings.Contains(line, apiKey) {
			t.Errorf("the operator logged the API key:\n%s", line)
		}
	}
}
