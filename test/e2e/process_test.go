package e2e

// This file owns the test's child processes, wagov-sim and wagov: each writes its output to a
// log file in the scratch directory, and is stopped (SIGTERM, then SIGKILL after 10s) when the
// test ends, however it ends.

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// process is a running child with its output in a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed once the child has exited
	waitErr error
}

// startProcess runs one of the binaries built for this run with args, adding extraEnv to the
// test's environment, and stops it when the test ends.
func startProcess(t *testing.T, name string, extraEnv []string, args ...string) *process {
	t.Helper()
	f, err := os.CreateTemp(env.scratch, name+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	logPath := f.Name()
	cmd := exec.Command(filepath.Join(env.bins, name), args...)
	cmd.Env = append(os.Environ(), extraEnv...)
	cmd.Stdout, cmd.Stderr = f, f
	// Should the test binary be killed, the child goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		f.Close()
		close(p.exited)
	}()
	// Cleanups run last first: stop, then show the log if the test failed.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- %s log ---\n%s", name, p.log(t))
		}
	})
	t.Cleanup(p.stop)
	return p
}

// stop asks the child to shut down and kills it if it has not within 10 seconds. Stopping a
// stopped child does nothing.
func (p *process) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// log returns what the child has written so far.
func (p *process) log(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// await is eventually, failing at once should the child exit first.
func (p *process) await(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	eventually(t, p.name+": "+what, timeout, func() bool {
		select {
		case <-p.exited:
			t.Fatalf("%s exited (%v) before %s:\n%s", p.name, p.waitErr, what, p.log(t))
		default:
		}
		return ok()
	})
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startSim starts wagov-sim on a free loopback port with seed and returns its base URL.
func startSim(t *testing.T, seed string) (*process, string) {
	t.Helper()
	p := startProcess(t, "wagov-sim", nil, "--listen=127.0.0.1:0", "--seed="+seed)
	var url string
	p.await(t, `"listening on" line`, 15*time.Second, func() bool {
		if m := listening.FindStringSubmatch(p.log(t)); m != nil {
			url = m[1]
		}
		return url != ""
	})
	return p, url
}

// operator is a running wagov with its probe and metrics addresses.
type operator struct {
	*process
	metrics string // host:port of /metrics
}

// startOperator runs wagov with args (the chart Deployment's) as user u, with its probes and
// metrics moved to free loopback ports, and waits until /readyz answers.
func startOperator(t *testing.T, u user, args []string) *operator {
	t.Helper()
	probe, metrics := freeLoopbackAddr(t), freeLoopbackAddr(t)
	args = append(args, "--health-probe-bind-address="+probe, "--metrics-bind-address="+metrics)
	p := startProcess(t, "wagov", []string{"KUBECONFIG=" + u.kubeconfig}, args...)
	p.await(t, "200 from /readyz", 30*time.Second, func() bool {
		resp, err := http.Get("http://" + probe + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return &operator{process: p, metrics: metrics}
}

// freeLoopbackAddr returns a loopback address whose port was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
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
