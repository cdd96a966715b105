// Package e2e installs and runs wagov as a user does: the Helm chart with the real helm, the
// operator binary running as the chart's ServiceAccount (so that the chart's RBAC is what
// authorises it), wagov-sim in place of the WhatsApp provider, manifests applied with the real
// kubectl, then a helm upgrade and a helm uninstall, neither of which may touch a WhatsApp group.
//
// The control plane is envtest's etcd and kube-apiserver from KUBEBUILDER_ASSETS, which has no
// kubelet: the chart's Deployment never runs a pod, so the test runs the binary itself with the
// Deployment's arguments, as the pod would.
//
// This file owns the test's setup: the control plane, the binaries and the tools.
// cluster_test.go runs kubectl and helm, process_test.go runs wagov-sim and wagov, and
// install_test.go is the story.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/testenv"
)

// env is what TestMain prepared; skip is set instead when the control plane is not available.
var env struct {
	skip    string
	root    string                // the repository root
	scratch string                // temporary homes, kubeconfigs, logs
	bins    string                // wagov and wagov-sim, built for this run
	cp      *testenv.ControlPlane // the control plane
	admin   user                  // a system:masters user: the person installing the chart
	tools   []string              // environment for helm and kubectl
}

func TestMain(m *testing.M) {
	code, err := setUp(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// setUp builds the binaries while the control plane starts, runs the tests, and tears down.
func setUp(m *testing.M) (int, error) {
	var err error
	if env.root, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
		return 0, err
	}
	required := os.Getenv("WAGOV_REQUIRE_ENVTEST") == "1"
	missing := ""
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		missing = "KUBEBUILDER_ASSETS is not set"
	}
	for _, f := range []string{filepath.Join(assets, "kube-apiserver"), filepath.Join(env.root, "bin", "helm"), filepath.Join(env.root, "bin", "kubectl")} {
		if _, err = os.Stat(f); missing == "" && err != nil {
			missing = f + " is missing"
		}
	}
	if missing != "" {
		if required {
			return 0, fmt.Errorf("%s: run `make test`, which builds the control plane and the tools into bin/", missing)
		}
		env.skip = missing + "; `make test` runs the end-to-end test"
		return m.Run(), nil
	}

	if env.scratch, err = os.MkdirTemp("", "wagov-e2e-"); err != nil {
		return 0, err
	}
	defer func() { _ = os.RemoveAll(env.scratch) }()
	env.bins = filepath.Join(env.scratch, "bin")
	env.tools = append(os.Environ(),
		"HOME="+env.scratch,
		"HELM_CACHE_HOME="+filepath.Join(env.scratch, "helm-cache"),
		"HELM_CONFIG_HOME="+filepath.Join(env.scratch, "helm-config"),
		"HELM_DATA_HOME="+filepath.Join(env.scratch, "helm-data"),
	)

	built := make(chan error, 1)
	go func() { built <- buildBinaries() }()
	// No CRDs here: the chart installs them, as it does for a user.
	var startErr error
	env.cp, startErr = testenv.StartControlPlane(testenv.WithoutCRDs())
	if startErr == nil {
		defer func() { _ = env.cp.Stop() }()
	}
	if err = errors.Join(startErr, <-built); err != nil {
		return 0, err
	}
	if env.admin, err = addUser("admin", "system:masters"); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// buildBinaries builds wagov and wagov-sim from this tree into env.bins.
func buildBinaries() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", env.bins+string(filepath.Separator), "./cmd/wagov", "./cmd/wagov-sim")
	cmd.Dir = env.root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/wagov ./cmd/wagov-sim: %w\n%s", err, out)
	}
	fmt.Printf("e2e: built wagov and wagov-sim in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// needEnv skips a test when the control plane or the tools are missing (outside `make test`).
func needEnv(t *testing.T) {
	t.Helper()
	if env.skip != "" {
		t.Skip(env.skip)
	}
}
