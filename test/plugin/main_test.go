// Package plugin tests kubectl-wagov end to end: a real kube-apiserver and etcd (envtest), an
// in-process wagov-sim serving every provider type, and the operator, with the plugin run as
// a user with a kubeconfig file, as kubectl runs it.
package plugin

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/wagov/wagov/internal/cli"
	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/testenv"
)

var (
	controlPlane *testenv.ControlPlane
	// k8s writes and reads objects as the cluster admin.
	k8s client.Client
	// world is the simulated WhatsApp world, served at simURL.
	world  *sim.Sim
	simURL string
	// adminKubeconfig is the kubeconfig file of a user in system:masters.
	adminKubeconfig string
	scratch         string
)

func TestMain(m *testing.M) { testenv.Main("the plugin tests", func() int { return run(m) }) }

func run(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.WriteTo(&bytes.Buffer{})))
	var err error
	if scratch, err = os.MkdirTemp("", "wagov-plugin-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(scratch)
	if controlPlane, err = testenv.StartControlPlane(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = controlPlane.Stop() }()
	k8s = controlPlane.Client
	served, err := testenv.StartSim(seed())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer served.Close()
	world, simURL = served.Sim, served.URL
	if adminKubeconfig, err = kubeconfig("plugin-admin", "system:masters"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	opts := controller.DefaultOptions()
	opts.ConfirmAfter = 200 * time.Millisecond
	opts.HTTP = &http.Client{Timeout: 5 * time.Second}
	stop, err := testenv.Operator{Options: opts}.Start(context.Background(), controlPlane)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	return m.Run()
}

// kubeconfig provisions a user of the control plane and writes its kubeconfig file.
func kubeconfig(name string, groups ...string) (string, error) {
	return controlPlane.Kubeconfig(scratch, name, groups...)
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
