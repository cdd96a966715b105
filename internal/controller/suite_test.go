package controller_test

// One control plane (a real kube-apiserver and etcd) and one in-process wagov-sim, both from
// internal/testenv, serve every test in this package; the operator runs against both exactly
// as cmd/wagov wires it.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/testenv"
)

var (
	restConfig   *rest.Config
	suiteScheme  *runtime.Scheme
	stopOperator func()

	k8s        client.Client
	world      *sim.Sim
	simURL     string
	metricsURL string
	suiteCtx   context.Context
)

func TestMain(m *testing.M) { testenv.Main("the envtest suite", func() int { return run(m) }) }

// controlPlane is the suite's kube-apiserver and etcd.
var controlPlane *testenv.ControlPlane

func run(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(logSink())))
	var err error
	if controlPlane, err = testenv.StartControlPlane(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = controlPlane.Stop() }()
	restConfig, suiteScheme, k8s = controlPlane.Config, controlPlane.Scheme, controlPlane.Client

	seed, err := sim.LoadSeedFile(filepath.Join("testdata", "world.yaml"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "load sim world:", err)
		return 1
	}
	served, err := testenv.StartSim(seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer served.Close()
	world, simURL = served.Sim, served.URL

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	suiteCtx = ctx
	if err = k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: clusterSecrets}}); err != nil {
		fmt.Fprintln(os.Stderr, "create the cluster Secrets namespace:", err)
		return 1
	}
	if stopOperator, err = startOperator(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { stopOperator() }()
	return m.Run()
}

// clusterSecrets is the namespace ClusterWhatsAppProviders read their Secrets from.
const clusterSecrets = "wagov-system"

// startOperator starts the operator as cmd/wagov wires it, with fresh in-process state, and
// returns a function that stops it and waits until it has.
func startOperator() (func(), error) { return startOperatorWith(controller.CacheOptions(nil)) }

// startOperatorWith is startOperator with the given cache options (a shard's selector).
func startOperatorWith(cacheOpts cache.Options) (func(), error) {
	metricsAddr, err := testenv.FreeLoopbackAddr()
	if err != nil {
		return nil, fmt.Errorf("pick a metrics port: %w", err)
	}
	metricsURL = "http://" + metricsAddr + "/metrics"
	opts := controller.DefaultOptions()
	opts.ConfirmAfter = 200 * time.Millisecond
	opts.BackoffBase = 200 * time.Millisecond
	opts.BackoffMax = 2 * time.Second
	opts.ProviderRecheck = time.Hour
	opts.CredentialsRecheck = time.Second
	opts.ClusterResourceNamespace = clusterSecrets
	opts.HTTP = &http.Client{Timeout: 2 * time.Second} // so that a latency fault times out quickly
	return testenv.Operator{Options: opts, Cache: &cacheOpts, MetricsAddr: metricsAddr, NewClient: countingClient}.Start(suiteCtx, controlPlane)
}

// kubeRequests counts the operator's requests to the kube-apiserver through its client, by
// verb, kind and namespace ("Get Secret ns", "PatchStatus WhatsAppGroup ns").
var kubeRequests struct {
	sync.Mutex
	n map[string]int
}

func countKube(verb string, obj client.Object) {
	gvk, err := apiutil.GVKForObject(obj, suiteScheme)
	if err != nil {
		return
	}
	kubeRequests.Lock()
	defer kubeRequests.Unlock()
	if kubeRequests.n == nil {
		kubeRequests.n = map[string]int{}
	}
	kubeRequests.n[verb+" "+gvk.Kind+" "+obj.GetNamespace()]++
}

// kubeCount returns how many requests of verb on kind in namespace the operator made so far.
func kubeCount(verb, kind, namespace string) int {
	kubeRequests.Lock()
	defer kubeRequests.Unlock()
	return kubeRequests.n[verb+" "+kind+" "+namespace]
}

// countingClient is the manager's usual client, with its requests counted.
func countingClient(config *rest.Config, options client.Options) (client.Client, error) {
	c, err := client.NewWithWatch(config, options)
	if err != nil {
		return nil, err
	}
	return interceptor.NewClient(c, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, secret := obj.(*corev1.Secret); secret {
				obj.SetNamespace(key.Namespace)
				countKube("Get", obj)
			}
			return c.Get(ctx, key, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			countKube("Patch"+sub, obj)
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			countKube("Update"+sub, obj)
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
	}), nil
}

// restartOperator kills the running operator and starts a new one, as a pod restart or a
// leader change would: whatever the operator kept in memory is gone.
func restartOperator(t *testing.T) {
	t.Helper()
	stopOperator()
	var err error
	if stopOperator, err = startOperator(); err != nil {
		t.Fatal(err)
	}
}

// logSink sends the operator's log to a file when WAGOV_TEST_LOG names one, else nowhere.
func logSink() *os.File {
	if p := os.Getenv("WAGOV_TEST_LOG"); p != "" {
		if f, err := os.Create(p); err == nil {
			return f
		}
	}
	f, _ := os.Open(os.DevNull)
	return f
}

// eventually polls f until it returns nil or the deadline passes.
func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = f(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// consistently checks that f keeps returning nil for the whole window.
func consistently(t *testing.T, window time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(window)
	for time.Now().Before(deadline) {
		if err := f(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "wagov-test-"}}
	if err := k8s.Create(suiteCtx, ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}
