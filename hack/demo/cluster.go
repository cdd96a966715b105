package main

// This file owns the Kubernetes side of the demo: a real control plane (etcd and
// kube-apiserver from KUBEBUILDER_ASSETS, started by envtest with wagov's CRDs), an admin
// kubeconfig for it, and running the real kubectl against it.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

// controlPlane is a running etcd + kube-apiserver with wagov's CRDs installed.
type controlPlane struct {
	env        *envtest.Environment
	kubeconfig string        // path of an admin (system:masters) kubeconfig
	client     client.Client // typed client, as that admin
}

// startControlPlane starts the control plane and writes the admin kubeconfig into dir.
func startControlPlane(assets, crds, dir string) (*controlPlane, error) {
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{crds},
		ErrorIfCRDPathMissing: true,
	}
	if _, err := env.Start(); err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	cp := &controlPlane{env: env}
	if err := cp.addAdmin(dir); err != nil {
		cp.stop()
		return nil, err
	}
	return cp, nil
}

// addAdmin provisions a system:masters user and writes its kubeconfig into dir.
func (cp *controlPlane) addAdmin(dir string) error {
	user, err := cp.env.AddUser(envtest.User{Name: "demo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add admin user: %w", err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("admin kubeconfig: %w", err)
	}
	cp.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err = os.WriteFile(cp.kubeconfig, kc, 0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	scheme := runtime.NewScheme()
	if err = clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err = whatsappv1.AddToScheme(scheme); err != nil {
		return err
	}
	cp.client, err = client.New(user.Config(), client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	return nil
}

// stop stops kube-apiserver and etcd and removes their data.
func (cp *controlPlane) stop() {
	if err := cp.env.Stop(); err != nil {
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
