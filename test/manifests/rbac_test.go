package manifests_test

// The chart's RBAC with watchNamespaces: the generated rules split between a ClusterRole for the
// cluster-scoped resources and a Role in each watched namespace for the rest, plus Secrets read
// in the cluster resource namespace.

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

func TestChartWatchNamespacesRBAC(t *testing.T) {
	watched := []string{"team-a", "team-b"}
	for _, tc := range []struct {
		name        string
		set         []string
		credentials string // the cluster resource namespace, where the Secrets-only Role goes
	}{
		{"in the release namespace", nil, operatorNamespace},
		{"in a namespace of their own", []string{"--set", "controller.clusterResourceNamespace=wagov-credentials"}, "wagov-credentials"},
	} {
		t.Run("cluster credentials "+tc.name, func(t *testing.T) {
			objs := decode(t, helmTemplate(t, append([]string{"--set", "watchNamespaces={" + strings.Join(watched, ",") + "}"}, tc.set...)...))
			cluster, roles := managerRBAC(t, objs)
			generated := generatedGrants(t)
			for _, ns := range watched {
				if got := grants(append(slices.Clone(cluster), roles[ns]...)); !maps.Equal(got, generated) {
					t.Errorf("the ClusterRole and the Role in %s grant %v, want the generated %v", ns, got, generated)
				}
				inRole := grants(roles[ns])
				for g := range grants(cluster) {
					if inRole[g] {
						t.Errorf("both the ClusterRole and the Role in %s grant %v", ns, g)
					}
				}
			}
			secrets := map[grant]bool{}
			for g := range generated {
				if g.group == "" && g.resource == "secrets" {
					secrets[g] = true
				}
			}
			if got := grants(roles[tc.credentials]); len(secrets) == 0 || !maps.Equal(got, secrets) {
				t.Errorf("the Role in %s grants %v, want the generated Secrets read only: %v", tc.credentials, got, secrets)
			}
			if len(roles) != len(watched)+1 {
				t.Errorf("the operator has Roles in %v, want %v and %s", slices.Sorted(maps.Keys(roles)), watched, tc.credentials)
			}
			if skipEnv == "" {
				checkScopes(t, "the ClusterRole", cluster, false)
				for ns, rules := range roles {
					checkScopes(t, "the Role in "+ns, rules, true)
				}
			}
			if args := deploymentArgs(t, objs); !slices.Contains(args, "--watch-namespaces="+strings.Join(watched, ",")) {
				t.Errorf("the Deployment's args %v do not pass --watch-namespaces", args)
			}
		})
	}
}

// grant is one verb on one resource (a subresource as "resource/sub") of one API group.
type grant struct{ group, resource, verb string }

// grants expands rules into what they allow.
func grants(rules []rbacv1.PolicyRule) map[grant]bool {
	out := map[grant]bool{}
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out[grant{g, res, v}] = true
				}
			}
		}
	}
	return out
}

// generatedGrants are what config/rbac/role.yaml allows.
func generatedGrants(t *testing.T) map[grant]bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(raw, &role); err != nil {
		t.Fatal(err)
	}
	return grants(role.Rules)
}

// managerRBAC returns the rules of the operator's ClusterRole and of its Roles by namespace (all
// but leader election's), checking that each is bound to the operator's ServiceAccount.
func managerRBAC(t *testing.T, objs []*unstructured.Unstructured) (cluster []rbacv1.PolicyRule, roles map[string][]rbacv1.PolicyRule) {
	t.Helper()
	roles = map[string][]rbacv1.PolicyRule{}
	names := map[string]string{} // the Role's name by namespace
	bound := map[string]bool{}   // kind/namespace/name of the roles bound to the ServiceAccount
	for _, o := range objs {
		switch o.GetKind() {
		case "ClusterRole", "Role":
			var r rbacv1.ClusterRole // a Role has the same fields
			convert(t, o, &r)
			switch {
			case o.GetKind() == "ClusterRole" && o.GetName() == "wagov-manager":
				cluster = r.Rules
			case o.GetKind() == "Role" && o.GetName() != "wagov-leader-election":
				roles[o.GetNamespace()], names[o.GetNamespace()] = r.Rules, o.GetName()
			}
		case "ClusterRoleBinding", "RoleBinding":
			var b rbacv1.RoleBinding
			convert(t, o, &b)
			for _, s := range b.Subjects {
				if s.Kind == "ServiceAccount" && s.Name == "wagov" && s.Namespace == operatorNamespace {
					bound[b.RoleRef.Kind+"/"+o.GetNamespace()+"/"+b.RoleRef.Name] = true
				}
			}
		}
	}
	if cluster == nil || !bound["ClusterRole//wagov-manager"] {
		t.Errorf("no ClusterRole wagov-manager bound to the operator's ServiceAccount")
	}
	for ns, name := range names {
		if !bound["Role/"+ns+"/"+name] {
			t.Errorf("Role %s/%s is not bound to the operator's ServiceAccount", ns, name)
		}
	}
	return cluster, roles
}

// checkScopes asks the apiserver whether each resource the rules name is namespaced as wanted.
func checkScopes(t *testing.T, where string, rules []rbacv1.PolicyRule, namespaced bool) {
	t.Helper()
	scope := map[bool]string{true: "namespaced", false: "cluster-scoped"}
	checked := map[schema.GroupResource]bool{}
	for g := range grants(rules) {
		resource, _, _ := strings.Cut(g.resource, "/")
		gr := schema.GroupResource{Group: g.group, Resource: resource}
		if checked[gr] {
			continue
		}
		checked[gr] = true
		gvk, err := k8s.RESTMapper().KindFor(gr.WithVersion(""))
		if err != nil {
			t.Fatalf("%s names %s: %v", where, gr, err)
		}
		m, err := k8s.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Scope.Name() == meta.RESTScopeNameNamespace; got != namespaced {
			t.Errorf("%s grants %s, which is %s; want only %s resources there", where, gr, scope[got], scope[namespaced])
		}
	}
}

// deploymentArgs are the args of the operator container of the rendered Deployment.
func deploymentArgs(t *testing.T, objs []*unstructured.Unstructured) []string {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			var d appsv1.Deployment
			convert(t, o, &d)
			return d.Spec.Template.Spec.Containers[0].Args
		}
	}
	t.Fatal("no Deployment rendered")
	return nil
}

// convert turns a decoded object into its typed form.
func convert(t *testing.T, o *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
		t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
	}
}
