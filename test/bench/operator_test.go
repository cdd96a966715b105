package bench

// This file owns the operator under measurement. It runs in a process of its own (this test
// binary started again, see TestMain), wired as cmd/wagov wires it, so that the memory and CPU
// it reports are its own, not the simulator's, the bench's or the control plane's. It answers
// /bench on its metrics address with what it measured of itself, and /debug/pprof/profile and
// /debug/pprof/heap with profiles.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/cpulimit"
	"github.com/wagov/wagov/internal/memlimit"
	"github.com/wagov/wagov/internal/testenv"
)

// operatorEnv carries the operatorConfig, as JSON, to the operator process; TestMain runs the
// operator instead of the benchmarks when it is set.
const operatorEnv = "WAGOV_BENCH_OPERATOR"

// chartMemoryLimit is the chart's default resources.limits.memory (charts/wagov/values.yaml),
// the container limit the operator process is measured under.
const chartMemoryLimit = 256 << 20

// chartCPULimit is the chart's default resources.limits.cpu, in CPUs: cmd/wagov runs Go with
// one P under it (internal/cpulimit). WAGOV_BENCH_CPU_LIMIT measures under another.
const chartCPULimit = 0.5

// operatorConfig is what the bench tells the operator process.
type operatorConfig struct {
	// Addr is the metrics address, where /bench answers.
	Addr         string
	Concurrency  int
	ConfirmAfter time.Duration
	// MemoryLimit is the container memory limit the operator runs under, as the chart's
	// default resources set it; cmd/wagov takes its soft limit from it (internal/memlimit).
	MemoryLimit int64
	// CPULimit is the container CPU limit, in CPUs, that cmd/wagov takes GOMAXPROCS from
	// (internal/cpulimit); the bench does not enforce it.
	CPULimit float64
	// HeapSampleRate, when not 0, is the operator's runtime.MemProfileRate: the heap profiles
	// of a profiled run sample every that many bytes instead of every 512 KiB.
	HeapSampleRate int
}

// selfReport is what the operator process measured of itself.
type selfReport struct {
	// CPU is the process's user and system time so far (getrusage).
	CPU time.Duration
	// PeakRSS and RSS are VmHWM and VmRSS from /proc/self/status, in bytes.
	PeakRSS, RSS int64
	// HeapInuse is runtime.MemStats.HeapInuse, read after a GC when the bench asks for one.
	HeapInuse uint64
	// Syncs counts the WhatsAppGroup reconciles so far.
	Syncs float64
	// Procs is GOMAXPROCS.
	Procs int
}

// runOperator is the operator process: the manager with wagov's controllers, against the
// kubeconfig in KUBECONFIG, until its stdin closes (the bench stopped it, or died).
func runOperator(raw string) error {
	var oc operatorConfig
	if err := json.Unmarshal([]byte(raw), &oc); err != nil {
		return err
	}
	if oc.HeapSampleRate > 0 {
		runtime.MemProfileRate = oc.HeapSampleRate
	}
	// The deployed operator's logger (info level, JSON), writing nowhere.
	ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	cpulimit.Apply(oc.CPULimit)
	if oc.MemoryLimit > 0 {
		memlimit.Apply(oc.MemoryLimit)
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	scheme, err := controller.NewScheme()
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme,
		Metrics: metricsserver.Options{BindAddress: oc.Addr, ExtraHandlers: map[string]http.Handler{
			"/bench":               http.HandlerFunc(serveSelfReport),
			"/debug/pprof/profile": http.HandlerFunc(pprof.Profile),
			"/debug/pprof/heap":    pprof.Handler("heap"),
		}},
		Client: controller.ClientOptions(),
		Cache:  controller.CacheOptions(nil),
	})
	if err != nil {
		return err
	}
	opts := controller.DefaultOptions()
	opts.GroupConcurrency = oc.Concurrency
	opts.ConfirmAfter = oc.ConfirmAfter
	if err := controller.Setup(mgr, opts); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return mgr.Start(ctx)
}

// serveSelfReport answers /bench (?gc=1: collect garbage before reading the heap, after the
// CPU time).
func serveSelfReport(w http.ResponseWriter, r *http.Request) {
	rep := selfReport{CPU: selfCPU(), Syncs: groupSyncs(), Procs: runtime.GOMAXPROCS(0)}
	if r.URL.Query().Get("gc") == "1" {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rep.HeapInuse = ms.HeapInuse
	var err error
	if rep.PeakRSS, rep.RSS, err = procStatus(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	_ = json.NewEncoder(w).Encode(rep)
}

// groupSyncs sums controller-runtime's reconcile counter of the WhatsAppGroup controller.
func groupSyncs() float64 {
	fams, _ := crmetrics.Registry.Gather()
	n := 0.0
	for _, f := range fams {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "whatsappgroup" {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}

// operatorProcess is the operator under measurement, seen from the bench.
type operatorProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	base  string // http://<its metrics address>
	// exited closes when the process has exited, with waitErr set.
	exited  chan struct{}
	waitErr error
}

// startOperator starts the operator process against the control plane that kubeconfig names,
// and returns once it answers.
func startOperator(ctx context.Context, dir string, kubeconfig []byte, oc operatorConfig) (*operatorProcess, error) {
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		return nil, err
	}
	addr, err := testenv.FreeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	oc.Addr = addr
	raw, err := json.Marshal(oc)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), operatorEnv+"="+string(raw), "KUBECONFIG="+path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the operator process: %w", err)
	}
	op := &operatorProcess{cmd: cmd, stdin: stdin, base: "http://" + addr, exited: make(chan struct{})}
	go func() {
		op.waitErr = cmd.Wait()
		close(op.exited)
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := op.self(ctx, false); err == nil {
			return op, nil
		}
		select {
		case <-op.exited:
			return nil, fmt.Errorf("the operator process exited: %w", op.waitErr)
		case <-ctx.Done():
			op.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			op.stop()
			return nil, errors.New("the operator process did not answer within a minute")
		}
	}
}

// self asks the operator process what it measured of itself.
func (op *operatorProcess) self(ctx context.Context, gc bool) (selfReport, error) {
	path := "/bench"
	if gc {
		path += "?gc=1"
	}
	body, err := op.get(ctx, path)
	if err != nil {
		return selfReport{}, err
	}
	defer body.Close()
	var rep selfReport
	return rep, json.NewDecoder(body).Decode(&rep)
}

// profile writes the profile that the operator serves at path to file.
func (op *operatorProcess) profile(ctx context.Context, path, file string) error {
	body, err := op.get(ctx, path)
	if err != nil {
		return err
	}
	defer body.Close()
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func (op *operatorProcess) get(ctx context.Context, path string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, op.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return nil, fmt.Errorf("operator %s: %s: %s", path, resp.Status, b)
	}
	return resp.Body, nil
}

// stop closes the operator's stdin, which stops it, and kills it if it has not exited within
// ten seconds.
func (op *operatorProcess) stop() {
	_ = op.stdin.Close()
	select {
	case <-op.exited:
	case <-time.After(10 * time.Second):
		_ = op.cmd.Process.Kill()
		<-op.exited
	}
}
