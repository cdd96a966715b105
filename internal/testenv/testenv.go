// Package testenv is the one way wagov's tests, benchmarks and demo start what they run
// against: a real kube-apiserver and etcd with wagov's CRDs (envtest), users with kubeconfig
// files, an in-process wagov-sim, and the operator wired as cmd/wagov wires it. It never
// reaches beyond loopback.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/dialects" // every provider dialect
)

// ErrNoAssets says KUBEBUILDER_ASSETS is not set, so no control plane can start.
var ErrNoAssets = errors.New("KUBEBUILDER_ASSETS is not set: run `make test`, which builds the control plane into bin/")

// Check reports whether a control plane can start. Without KUBEBUILDER_ASSETS, a TestMain
// should skip its package, unless WAGOV_REQUIRE_ENVTEST=1 (make test) makes that an error.
func Check() (skip bool, err error) {
	if os.Getenv("KUBEBUILDER_ASSETS") != "" {
		return false, nil
	}
	if os.Getenv("WAGOV_REQUIRE_ENVTEST") == "1" {
		return false, ErrNoAssets
	}
	return true, nil
}

// Main is a TestMain's body for a package that needs a control plane: it exits 0 with a note
// when none can start (and 1 when make test requires one), else with what run returns.
func Main(what string, run func() int) {
	skip, err := Check()
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	case skip:
		fmt.Fprintf(os.Stderr, "skipping %s: KUBEBUILDER_ASSETS is not set; `make test` runs them\n", what)
		os.Exit(0)
	}
	os.Exit(run())
}

// Root returns the repository root: the nearest parent of the working directory with a go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// ControlPlane is a running kube-apiserver and etcd with wagov's CRDs installed.
type ControlPlane struct {
	// Config reaches the apiserver as its admin.
	Config *rest.Config
	// Scheme holds the Kubernetes types and wagov's API.
	Scheme *runtime.Scheme
	// Client is a direct (uncached) admin client, so that tests never race a cache.
	Client client.Client
	env    *envtest.Environment
}

// Option changes what StartControlPlane installs.
type Option func(*envtest.Environment)

// WithoutCRDs starts the control plane bare, for a test that installs the CRDs itself (the
// chart does, as for a user).
func WithoutCRDs() Option {
	return func(e *envtest.Environment) { e.CRDDirectoryPaths, e.ErrorIfCRDPathMissing = nil, false }
}

// WithCRDs installs the CRDs of more directories, such as stand-ins for third-party CRDs.
func WithCRDs(dirs ...string) Option {
	return func(e *envtest.Environment) { e.CRDDirectoryPaths = append(e.CRDDirectoryPaths, dirs...) }
}

// StartControlPlane starts a control plane with the CRDs of config/crd/bases.
func StartControlPlane(opts ...Option) (*ControlPlane, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join(root, "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	for _, o := range opts {
		o(env)
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	scheme, err := controller.NewScheme()
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	return &ControlPlane{Config: cfg, Scheme: scheme, Client: c, env: env}, nil
}

// Stop stops the apiserver and etcd.
func (cp *ControlPlane) Stop() error { return cp.env.Stop() }

// Kubeconfig provisions a user in groups and writes its kubeconfig file into dir.
func (cp *ControlPlane) Kubeconfig(dir, user string, groups ...string) (string, error) {
	path, _, err := cp.User(dir, user, groups...)
	return path, err
}

// User provisions a user in groups, writes its kubeconfig file into dir, and returns the file
// and the user's rest config.
func (cp *ControlPlane) User(dir, user string, groups ...string) (string, *rest.Config, error) {
	u, err := cp.env.AddUser(envtest.User{Name: user, Groups: groups}, nil)
	if err != nil {
		return "", nil, fmt.Errorf("add user %s: %w", user, err)
	}
	data, err := u.KubeConfig()
	if err != nil {
		return "", nil, fmt.Errorf("kubeconfig of %s: %w", user, err)
	}
	path := filepath.Join(dir, strings.NewReplacer(":", "_", "/", "_").Replace(user)+".kubeconfig")
	return path, u.Config(), os.WriteFile(path, data, 0o600)
}

// Sim is an in-process wagov-sim served on loopback.
type Sim struct {
	*sim.Sim
	// URL is where it answers, such as "http://127.0.0.1:41234".
	URL string
	srv *httptest.Server
}

// StartSim serves a simulated world holding seed.
func StartSim(seed sim.Seed, opts ...sim.Option) (*Sim, error) {
	w, err := sim.New(seed, opts...)
	if err != nil {
		return nil, fmt.Errorf("start sim: %w", err)
	}
	srv := httptest.NewServer(w.Handler())
	return &Sim{Sim: w, URL: srv.URL, srv: srv}, nil
}

// Close stops serving.
func (s *Sim) Close() { s.srv.Close() }

// Operator says how to run the operator in process.
type Operator struct {
	// Options are the controllers' options (controller.DefaultOptions, tuned).
	Options controller.Options
	// Cache is the manager cache's options; zero means controller.CacheOptions(nil).
	Cache *cache.Options
	// MetricsAddr is where /metrics is served; empty turns it off.
	MetricsAddr string
	// NewClient, when set, builds the manager's client (to count or intercept requests).
	NewClient client.NewClientFunc
}

// Start runs the operator against cp, as cmd/wagov wires it, until ctx ends or the returned
// stop is called; stop waits until it has stopped. Several may run one after another in one
// process (a restart).
func (o Operator) Start(ctx context.Context, cp *ControlPlane) (stop func(), err error) {
	cacheOpts := controller.CacheOptions(nil)
	if o.Cache != nil {
		cacheOpts = *o.Cache
	}
	addr := o.MetricsAddr
	if addr == "" {
		addr = "0"
	}
	skip := true // a restarted operator registers its controllers' names again
	mgr, err := ctrl.NewManager(cp.Config, ctrl.Options{
		Scheme:     cp.Scheme,
		Metrics:    metricsserver.Options{BindAddress: addr},
		Client:     controller.ClientOptions(),
		Cache:      cacheOpts,
		NewClient:  o.NewClient,
		Controller: config.Controller{SkipNameValidation: &skip},
	})
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	if err := controller.Setup(mgr, o.Options); err != nil {
		return nil, fmt.Errorf("set up controllers: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager stopped:", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}
