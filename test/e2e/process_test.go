package e2e

// This file owns the test's child processes, wagov-sim and wagov, run through internal/testenv:
// each writes its output to a log file in the scratch directory, and is stopped (SIGTERM, then
// SIGKILL after 10s) when the test ends, however it ends.

import (
	"context"

	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/testenv"
)

// process is a running child (internal/testenv) tied to the test that started it.
type process struct{ *testenv.Process }

// startProcess runs one of the binaries built for this run with args, adding extraEnv to the
// test's environment, and stops it when the test ends, showing its log if the test failed.
func startProcess(t *testing.T, name string, extraEnv []string, args ...string) process {
	t.Helper()
	f, err := os.CreateTemp(env.scratch, name+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	proc, err := testenv.StartProcess(name, f.Name(), extraEnv, filepath.Join(env.bins, name), args...)
	if err != nil {
		t.Fatal(err)
	}
	p := process{proc}
	// Cleanups run last first: stop, then show the log if the test failed.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- %s log ---\n%s", name, p.log(t))
		}
	})
	t.Cleanup(p.Stop)
	return p
}

func (p process) stop() { p.Stop() }

// log returns what the child has written so far.
func (p process) log(t *testing.T) string {
	t.Helper()
	s, err := p.Log()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// await polls ok until it holds, failing at once should the child exit first.
func (p process) await(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	if err := p.Await(context.Background(), what, timeout, ok); err != nil {
		t.Fatalf("%v:\n%s", err, p.log(t))
	}
}

// startSim starts wagov-sim on a free loopback port with seed and returns its base URL.
func startSim(t *testing.T, seed string) (process, string) {
	t.Helper()
	p := startProcess(t, "wagov-sim", nil, "--listen=127.0.0.1:0", "--seed="+seed)
	url, err := p.AwaitLog(context.Background(), testenv.Listening, 15*time.Second)
	if err != nil {
		t.Fatalf("%v:\n%s", err, p.log(t))
	}
	return p, url
}

// operator is a running wagov with its probe and metrics addresses.
type operator struct {
	process
	metrics string // host:port of /metrics
}

// startOperator runs wagov with args (the chart Deployment's) as user u, with its probes and
// metrics moved to free loopback ports, and waits until /readyz answers.
func startOperator(t *testing.T, u user, args []string) *operator {
	t.Helper()
	probe, metrics := freeLoopbackAddr(t), freeLoopbackAddr(t)
	args = append(args, "--health-probe-bind-address="+probe, "--metrics-bind-address="+metrics)
	p := startProcess(t, "wagov", []string{"KUBECONFIG=" + u.kubeconfig}, args...)
	if err := p.AwaitHTTP(context.Background(), "http://"+probe+"/readyz", 30*time.Second); err != nil {
		t.Fatalf("%v:\n%s", err, p.log(t))
	}
	return &operator{process: p, metrics: metrics}
}

// freeLoopbackAddr returns a loopback address whose port was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	addr, err := testenv.FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// scrape returns the operator's metrics, each sample as `name{labels}` → value.
func (o *operator) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + o.metrics + "/metrics")
	if err != nil {
		t.Fatalf("scrape metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("scrape metrics: %v", err)
	}
	samples := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		i := strings.LastIndexByte(line, ' ')
		if i < 0 || strings.HasPrefix(line, "#") {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			samples[line[:i]] = v
		}
	}
	return samples
}

// sum adds the samples of metric whose labels include every one of labels (`key="value"`).
func sum(samples map[string]float64, metric string, labels ...string) float64 {
	total := 0.0
	for series, v := range samples {
		name, rest, _ := strings.Cut(series, "{")
		if name != metric {
			continue
		}
		all := true
		for _, l := range labels {
			all = all && strings.Contains(rest, l)
		}
		if all {
			total += v
		}
	}
	return total
}
