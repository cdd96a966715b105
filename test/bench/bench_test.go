// Package bench measures the operator at scale against wagov-sim on a real control plane:
// `make bench` runs it. It never asserts timings: it prints what it measured, the median of
// several runs with their spread, beside the goals and the least the rate limits allow.
//
// Knobs, from the environment:
//
//	WAGOV_BENCH_RUNS         runs of each scenario (default 3 for one account, 2 for many, 1 at 10k)
//	WAGOV_BENCH_GROUPS       groups of the many-account scenario, 100 per account (default 1000)
//	WAGOV_BENCH_SCENARIO     "one-account", "many-accounts" or "ten-thousand" runs only that one
//	WAGOV_BENCH_CONCURRENCY  the operator's --group-concurrency (default the operator's own)
//	WAGOV_BENCH_CPU_LIMIT    the container CPU limit, in CPUs, the operator takes GOMAXPROCS from (default
//	                         the chart's 0.5, which means one P; 2 measures Go's own default on this machine)
//	WAGOV_BENCH_PROFILE      a directory for the operator's CPU profiles of each run's phases and its heap
//	                         profile after the steady state (sampled every 16 KiB), and the provider
//	                         calls until convergence (JSON); profiling costs CPU, so a profiled
//	                         run's figures do not compare with others'
package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/plan"
	_ "github.com/wagov/wagov/internal/sim/dialects"
)

// TestMain runs the operator instead of the benchmarks in the operator process (see
// operator_test.go).
func TestMain(m *testing.M) {
	if raw := os.Getenv(operatorEnv); raw != "" {
		if err := runOperator(raw); err != nil {
			fmt.Fprintln(os.Stderr, "operator process:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// oneAccount is 200 full-size groups on one account.
func oneAccount() scenario {
	return scenario{name: "one-account", groups: 200, accounts: 1, size: 1024, perMinute: 3000, burst: 20,
		adds: 12, promotes: 3, demotes: 1, removes: 5, runs: envInt("WAGOV_BENCH_RUNS", 3)}
}

// manyAccounts is 256-member groups on many accounts, 100 to an account.
func manyAccounts() scenario {
	return hundredPerAccount("many-accounts", envInt("WAGOV_BENCH_GROUPS", 1000), envInt("WAGOV_BENCH_RUNS", 2))
}

// tenThousand is manyAccounts at 10,000 groups, where the memory goal is set: a projection
// from 1,000 groups does not hold, since the collector's headroom grows with the heap until the
// soft limit caps it.
func tenThousand() scenario {
	return hundredPerAccount("ten-thousand", 10000, envInt("WAGOV_BENCH_RUNS", 1))
}

func hundredPerAccount(name string, groups, runs int) scenario {
	return scenario{name: name, groups: groups, accounts: (groups + 99) / 100, size: 256, perMinute: 600, burst: 10,
		adds: 12, promotes: 3, demotes: 1, removes: 2, runs: runs}
}

// scenarios are the scenarios to run; WAGOV_BENCH_SCENARIO picks one.
func scenarios() []scenario {
	var out []scenario
	for _, sc := range []scenario{oneAccount(), manyAccounts(), tenThousand()} {
		if only := os.Getenv("WAGOV_BENCH_SCENARIO"); only == "" || only == sc.name {
			out = append(out, sc)
		}
	}
	return out
}

// BenchmarkScale runs every scenario its number of times and prints the figures and the goal
// table. Run it once (-benchtime 1x); each run takes minutes.
func BenchmarkScale(b *testing.B) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		b.Skip("KUBEBUILDER_ASSETS is not set: run `make bench`")
	}
	ctrl.SetLogger(logr.Discard()) // the bench's own client and cache
	k := knobs{
		concurrency: envInt("WAGOV_BENCH_CONCURRENCY", controller.DefaultOptions().GroupConcurrency),
		cpuLimit:    envFloat("WAGOV_BENCH_CPU_LIMIT", chartCPULimit),
	}
	rep := report{knobs: k}
	rep.plan = measurePlan(oneAccount().planInput())
	for _, sc := range scenarios() {
		s := summary{scenario: sc}
		for i := range sc.runs {
			profile := ""
			if dir := os.Getenv("WAGOV_BENCH_PROFILE"); dir != "" {
				profile = filepath.Join(dir, fmt.Sprintf("%s-%d", sc.name, i+1))
			}
			res, err := runOnce(context.Background(), sc, k, profile)
			if err != nil {
				b.Fatalf("%s, run %d: %v", sc.name, i+1, err)
			}
			fmt.Fprintf(os.Stderr, "%s run %d: converged in %.1fs (bound %.1fs), %d reads in %.0fs at rest\n",
				sc.name, i+1, res.converged.Seconds(), sc.rateBound().Seconds(), res.reads, res.window.Seconds())
			s.runs = append(s.runs, res)
		}
		rep.summaries = append(rep.summaries, s)
	}
	rep.print(os.Stdout)
	for _, s := range rep.summaries {
		b.ReportMetric(s.ratio().median, s.scenario.name+"_converge_x")
		b.ReportMetric(s.readsPerInterval().median, s.scenario.name+"_reads/interval")
		b.ReportMetric(s.kubeWritesPerInterval().median, s.scenario.name+"_kube_writes/interval")
	}
}

// planCost is one plan's time and memory.
type planCost struct {
	participants int
	ns, bytes    int64
}

// measurePlan times plan.Compute on in for a second and returns its cost per plan, garbage
// collection included, as a benchmark would (testing.Benchmark cannot run inside one).
func measurePlan(in plan.Input) planCost {
	plan.Compute(in)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start, n := time.Now(), 0
	for ; n%100 != 0 || time.Since(start) < time.Second; n++ {
		plan.Compute(in)
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return planCost{participants: len(in.Live.Participants), ns: elapsed.Nanoseconds() / int64(n), bytes: int64(after.TotalAlloc-before.TotalAlloc) / int64(n)}
}

// knobs are how the operator process is run.
type knobs struct {
	concurrency int
	cpuLimit    float64
}

func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && v > 0 {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
