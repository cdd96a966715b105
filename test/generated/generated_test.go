// Package generated checks that the committed generated files (deepcopy code, CRDs, RBAC, and
// the chart's templates and copies of them) are what `make generate manifests` produces from the
// code now.
package generated

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func controllerGen(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(root, "bin", "controller-gen")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("WAGOV_REQUIRE_ENVTEST") == "1" {
			t.Fatalf("bin/controller-gen is missing: run `make tools` (make test builds it)")
		}
		t.Skip("bin/controller-gen is missing; `make test` builds it and runs this check")
	}
	return bin
}

// TestGeneratedFilesAreCurrent regenerates into a temporary tree and compares byte for byte.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := repoRoot(t)
	gen := controllerGen(t, root)
	out := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(gen, args...)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("controller-gen %v: %v\n%s", args, err, b)
		}
	}
	config := filepath.Join(out, "config")
	run("crd", "paths=./api/...", "output:crd:artifacts:config="+filepath.Join(config, "crd", "bases"))
	run("rbac:roleName=wagov-manager", "paths=./internal/controller/...", "output:rbac:artifacts:config="+filepath.Join(config, "rbac"))

	crds, _ := filepath.Glob(filepath.Join(config, "crd", "bases", "*.yaml"))
	if len(crds) != 3 {
		t.Fatalf("controller-gen wrote %d CRDs, want 3", len(crds))
	}
	for _, f := range crds {
		same(t, f, filepath.Join(root, "config", "crd", "bases", filepath.Base(f)))
	}
	same(t, filepath.Join(config, "rbac", "role.yaml"), filepath.Join(root, "config", "rbac", "role.yaml"))

	// The chart: hack/sync-chart.sh run on the fresh output into a scratch chart.
	chart := filepath.Join(out, "chart")
	sync := exec.Command(filepath.Join(root, "hack", "sync-chart.sh"), config, chart)
	if b, err := sync.CombinedOutput(); err != nil {
		t.Fatalf("hack/sync-chart.sh: %v\n%s", err, b)
	}
	templates := filepath.Join("templates", "crds")
	fresh, _ := filepath.Glob(filepath.Join(chart, templates, "*.yaml"))
	committed, _ := filepath.Glob(filepath.Join(root, "charts", "wagov", templates, "*.yaml"))
	if len(fresh) != len(crds) || len(committed) != len(fresh) {
		t.Errorf("charts/wagov/%s holds %d CRD templates, hack/sync-chart.sh writes %d: run `make manifests`", templates, len(committed), len(fresh))
	}
	for _, f := range fresh {
		same(t, f, filepath.Join(root, "charts", "wagov", templates, filepath.Base(f)))
	}
	same(t, filepath.Join(chart, "files", "manager-role.yaml"), filepath.Join(root, "charts", "wagov", "files", "manager-role.yaml"))

	// Deepcopy: regenerate in a scratch module holding a copy of the api sources and compare.
	scratch := filepath.Join(out, "module")
	copyFiles(t, root, scratch, "go.mod", "go.sum")
	copyFiles(t, filepath.Join(root, "hack"), filepath.Join(scratch, "hack"), "boilerplate.go.txt")
	apiCopy := filepath.Join(scratch, "api", "v1alpha1")
	copyFiles(t, filepath.Join(root, "api", "v1alpha1"), apiCopy, sources(t, filepath.Join(root, "api", "v1alpha1"))...)
	cmd := exec.Command(gen, "object:headerFile=hack/boilerplate.go.txt", "paths=./api/...")
	cmd.Dir = scratch
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen object: %v\n%s", err, b)
	}
	same(t, filepath.Join(apiCopy, "zz_generated.deepcopy.go"), filepath.Join(root, "api", "v1alpha1", "zz_generated.deepcopy.go"))
}

// sources lists the hand-written Go files of a directory.
func sources(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && !strings.HasPrefix(e.Name(), "zz_generated") {
			names = append(names, e.Name())
		}
	}
	return names
}

func same(t *testing.T, fresh, committed string) {
	t.Helper()
	a, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("%v: run `make generate manifests`", err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("%s is stale: run `make generate manifests` and commit the result", committed)
	}
}

func copyFiles(t *testing.T, from, to string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(from, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
