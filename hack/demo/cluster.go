package main

// This file owns the Kubernetes side of the demo: a real control plane (etcd and
// kube-apiserver from KUBEBUILDER_ASSETS, started by internal/testenv with wagov's CRDs), an admin
// kubeconfig for it, and running the real kubectl against it.

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/wagov/wagov/internal/testenv"
)

// controlPlane is a running etcd + kube-apiserver with wagov's CRDs installed (internal/testenv).
type controlPlane struct {
	tp         *testenv.ControlPlane
	kubeconfig string        // path of an admin (system:masters) kubeconfig
	client     client.Client // typed client, as that admin
}

// startControlPlane starts the control plane and writes the admin kubeconfig into dir.
func startControlPlane(dir string) (*controlPlane, error) {
	tp, err := testenv.StartControlPlane()
	if err != nil {
		return nil, err
	}
	cp := &controlPlane{tp: tp, client: tp.Client}
	if cp.kubeconfig, err = tp.Kubeconfig(dir, "demo-admin", "system:masters"); err != nil {
		cp.stop()
		return nil, err
	}
	return cp, nil
}

// stop stops kube-apiserver and etcd and removes their data.
func (cp *controlPlane) stop() {
	if err := cp.tp.Stop(); err != nil {
		fmt.Printf("stopping the control plane: %v\n", err)
	}
}

// kubectl runs the real kubectl as the admin user, with its discovery cache kept in the
// demo's scratch directory rather than in ~/.kube.
type kubectl struct {
	path       string
	kubeconfig string
	cacheDir   string
}

func (k kubectl) command(ctx context.Context, args ...string) *exec.Cmd {
	full := append([]string{"--kubeconfig=" + k.kubeconfig, "--cache-dir=" + k.cacheDir}, args...)
	return exec.CommandContext(ctx, k.path, full...)
}

// run runs kubectl and returns its combined output; a failure includes that output.
func (k kubectl) run(ctx context.Context, args ...string) (string, error) {
	out, err := k.command(ctx, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
