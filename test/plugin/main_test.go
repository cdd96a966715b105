// Package plugin tests kubectl-wagov end to end: a real kube-apiserver and etcd (envtest), an
// in-process wagov-sim serving every provider type, and the operator, with the plugin run as
// a user with a kubeconfig file, as kubectl runs it.
package plugin

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/wagov/wagov/internal/cli"
	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/dialects"
)

var (
	env *envtest.Environment
	// k8s writes and reads objects as the cluster admin.
	k8s client.Client
	// world is the simulated WhatsApp world, served at simURL.
	world  *sim.Sim
	simURL string
	// adminKubeconfig is the kubeconfig file of a user in system:masters.
	adminKubeconfig string
	scratch         string
)

func TestMain(m *testing.M) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		if os.Getenv("WAGOV_REQUIRE_ENVTEST") == "1" {
			fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run `make test`, which builds the control plane into bin/")
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "skipping the plugin tests: KUBEBUILDER_ASSETS is not set; `make test` runs them")
		os.Exit(0)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.WriteTo(&bytes.Buffer{})))
	var err error
	if scratch, err = os.MkdirTemp("", "wagov-plugin-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(scratch)
	env = &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start control plane:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	if world, err = sim.New(seed()); err != nil {
		fmt.Fprintln(os.Stderr, "start sim:", err)
		return 1
	}
	srv := httptest.NewServer(world.Handler())
	defer srv.Close()
	simURL = srv.URL
	scheme, err := controller.NewScheme()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if adminKubeconfig, err = kubeconfig("plugin-admin", "system:masters"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done, err := startOperator(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	cancel()
	<-done
	return code
}

// startOperator runs the operator as cmd/wagov wires it until ctx ends; done closes once it stopped.
func startOperator(ctx context.Context, cfg *rest.Config) (<-chan struct{}, error) {
	scheme, err := controller.NewScheme()
	if err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}, Client: controller.ClientOptions(), Cache: controller.CacheOptions(nil)})
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	opts := controller.DefaultOptions()
	opts.ConfirmAfter = 200 * time.Millisecond
	opts.HTTP = &http.Client{Timeout: 5 * time.Second}
	if err := controller.Setup(mgr, opts); err != nil {
		return nil, fmt.Errorf("set up controllers: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager stopped:", err)
		}
	}()
	return done, nil
}

// kubeconfig provisions a user of the control plane and writes its kubeconfig file.
func kubeconfig(name string, groups ...string) (string, error) {
	u, err := env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return "", fmt.Errorf("add user %s: %w", name, err)
	}
	data, err := u.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(scratch, name+".kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// plugin runs kubectl-wagov with the kubeconfig and args, and returns its exit code, stdout and stderr.
func plugin(kubeconfig string, stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := cli.Main(append([]string{"--kubeconfig", kubeconfig}, args...), genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

// eventually polls f until it returns nil, failing the test with f's last error at the deadline.
func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		last = f()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("not within %s: %v", timeout, last)
	}
}

func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "plugin-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}
