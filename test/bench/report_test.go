package bench

// This file owns what `make bench` prints: each scenario's figures as the median of its runs
// with their range, then the goal table, each figure beside its goal and whether it is met.

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/wagov/wagov/internal/memlimit"
)

const mib = 1 << 20

// stat is a figure over the runs: its median and range.
type stat struct {
	median, lo, hi float64
	n              int
}

func statOf(vs []float64) stat {
	slices.Sort(vs)
	n := len(vs)
	if n == 0 {
		return stat{}
	}
	return stat{median: (vs[(n-1)/2] + vs[n/2]) / 2, lo: vs[0], hi: vs[n-1], n: n}
}

// show formats the median, and the range when there was more than one run.
func (s stat) show(format string) string {
	out := fmt.Sprintf(format, s.median)
	if s.n > 1 {
		out += fmt.Sprintf(" ("+format+"–"+format+")", s.lo, s.hi)
	}
	return out
}

// summary is a scenario's runs.
type summary struct {
	scenario scenario
	runs     []runResult
}

func (s summary) of(f func(runResult) float64) stat {
	vs := make([]float64, len(s.runs))
	for i, r := range s.runs {
		vs[i] = f(r)
	}
	return statOf(vs)
}

// perGroupInterval is n as a rate per group and interval of the steady state.
func (s summary) perGroupInterval(r runResult, n float64) float64 {
	return n / float64(s.scenario.groups) / (r.window.Seconds() / interval.Seconds())
}

func (s summary) ratio() stat {
	return s.of(func(r runResult) float64 { return r.converged.Seconds() / s.scenario.rateBound().Seconds() })
}

func (s summary) readsPerInterval() stat {
	return s.of(func(r runResult) float64 { return r.readRate })
}

func (s summary) kubeWritesPerInterval() stat {
	return s.of(func(r runResult) float64 { return s.perGroupInterval(r, r.kube.writes()) })
}

func (s summary) secretGets() stat {
	return s.of(func(r runResult) float64 { return r.kube[request{verb: "GET", resource: "secrets"}] })
}

func (s summary) cpuPerSync() stat {
	return s.of(func(r runResult) float64 { return r.cpu.Seconds() * 1000 / max(r.syncs, 1) })
}

// growthPerThousand is the peak RSS above the operator's before any group, per 1000 groups.
func (s summary) growthPerThousand() stat {
	return s.of(func(r runResult) float64 {
		return float64(r.end.PeakRSS-r.base.RSS) / mib / float64(s.scenario.groups) * 1000
	})
}

// heapPerThousand is the heap in use after a GC above the operator's before any group, per
// 1000 groups: what the groups hold, without the collector's headroom.
func (s summary) heapPerThousand() stat {
	return s.of(func(r runResult) float64 {
		return (float64(r.end.HeapInuse) - float64(r.base.HeapInuse)) / mib / float64(s.scenario.groups) * 1000
	})
}

// at10k is the peak RSS at 10,000 groups: measured when the scenario had that many, else
// projected from the growth.
func (s summary) at10k() (stat, bool) {
	measured := s.scenario.groups >= 10000
	return s.of(func(r runResult) float64 {
		if measured {
			return float64(r.end.PeakRSS) / mib
		}
		return (float64(r.base.RSS) + float64(r.end.PeakRSS-r.base.RSS)*10000/float64(s.scenario.groups)) / mib
	}), measured
}

// controlPlaneShare says how busy the control plane kept the machine while the groups
// converged, when it took half of it or more: then it, not the rate limits, sets the pace, and
// the stalls of a saturated machine bunch paced requests into 429s.
func (s summary) controlPlaneShare() string {
	share := s.of(func(r runResult) float64 {
		return 100 * r.convergeCPU.controlPlane.Seconds() / (r.converged.Seconds() * float64(runtime.NumCPU()))
	})
	if share.median < 50 {
		return ""
	}
	return fmt.Sprintf("; the kube-apiserver and etcd took %s of this machine's %d cores meanwhile", share.show("%.0f%%"), runtime.NumCPU())
}

// limited says how many provider calls were answered 429, over every run.
func (s summary) limited() string {
	n := 0
	for _, r := range s.runs {
		n += r.http429
	}
	return fmt.Sprintf("; %d calls answered 429 in %d run(s)", n, len(s.runs))
}

// report is everything `make bench` prints.
type report struct {
	knobs
	plan      planCost
	summaries []summary
}

func (rep report) find(name string) (summary, bool) {
	for _, s := range rep.summaries {
		if s.scenario.name == name {
			return s, true
		}
	}
	return summary{}, false
}

// limitSource says whose CPU limit the bench ran the operator under.
func limitSource(cpus float64) string {
	if cpus == chartCPULimit {
		return "the chart's default"
	}
	return "WAGOV_BENCH_CPU_LIMIT"
}

// procs is the GOMAXPROCS the operator processes reported, each distinct value once.
func (rep report) procs() string {
	var seen []string
	for _, s := range rep.summaries {
		for _, r := range s.runs {
			if p := strconv.Itoa(r.end.Procs); !slices.Contains(seen, p) {
				seen = append(seen, p)
			}
		}
	}
	return strings.Join(seen, ", ")
}

func (rep report) print(w io.Writer) {
	fmt.Fprintf(w, "\nwagov at scale, against wagov-sim (2Chat) on an envtest control plane; medians of the runs, (min–max) when more than one.\n")
	fmt.Fprintf(w, "The operator runs in its own process, as cmd/wagov wires it: group concurrency %d, confirmAfter %s (default 10s, which would add 10s to the last group),\n", rep.concurrency, confirmAfter)
	fmt.Fprintf(w, "under the chart's default memory limit of %d MiB (its Go soft limit %.0f%% of that, as cmd/wagov sets it from the container's cgroup)\n", chartMemoryLimit>>20, memlimit.Share*100)
	fmt.Fprintf(w, "and a CPU limit of %g CPU (%s; GOMAXPROCS %s, as cmd/wagov sets it from the cgroup; the bench does not throttle it);\n", rep.cpuLimit, limitSource(rep.cpuLimit), rep.procs())
	fmt.Fprintf(w, "each provider's addRateLimit is set to %d adds/min (the default 6 adds/min would make the adds, not the request rate, the whole story).\n", addsPerMinute)
	fmt.Fprintf(w, "The simulator's per-account rate limits are the providers' rateLimit plus %.0f%%, the headroom a user leaves below a published limit; the bound uses the providers' rateLimit. Every group's interval is %s; the steady state is %d intervals, %s after the last group is Ready.\n", (simHeadroom-1)*100, interval, steadyIntervals, settle)
	for _, s := range rep.summaries {
		s.print(w)
	}
	rep.table(w)
}

func (s summary) print(w io.Writer) {
	sc := s.scenario
	fmt.Fprintf(w, "\n== %d groups × %d members on %d account(s) at %d requests/min (burst %d), %d run(s)\n",
		sc.groups, sc.size, sc.accounts, sc.perMinute, sc.burst, len(s.runs))
	fmt.Fprintf(w, "   each group needs %d adds, %d promotions, %d demotion(s), %d removals: at least %d calls (two reads, one call per batch of each kind); %d calls in all\n",
		sc.adds, sc.promotes, sc.demotes, sc.removes, sc.minCallsPerGroup(), sc.groups*sc.minCallsPerGroup())
	fmt.Fprintf(w, "   converged in %s s from the first create (creating took %s s); the rate limits allow %.1f s at best ((calls − burst) / rate, busiest account): %s×\n",
		s.of(func(r runResult) float64 { return r.converged.Seconds() }).show("%.1f"),
		s.of(func(r runResult) float64 { return r.created.Seconds() }).show("%.1f"),
		sc.rateBound().Seconds(), s.ratio().show("%.2f"))
	fmt.Fprintf(w, "   CPU while converging: operator %s s, control plane (kube-apiserver, etcd) %s s, simulator and bench %s s, of %d cores\n",
		s.of(func(r runResult) float64 { return r.convergeCPU.operator.Seconds() }).show("%.1f"),
		s.of(func(r runResult) float64 { return r.convergeCPU.controlPlane.Seconds() }).show("%.1f"),
		s.of(func(r runResult) float64 { return r.convergeCPU.simAndBench.Seconds() }).show("%.1f"), runtime.NumCPU())
	fmt.Fprintf(w, "   provider calls until then: %s (the minimum %d, plus steady reads of the groups done first); answered 429 in the whole run: %s\n",
		s.of(func(r runResult) float64 { return float64(r.convergeCalls) }).show("%.0f"), sc.groups*sc.minCallsPerGroup(),
		s.of(func(r runResult) float64 { return float64(r.http429) }).show("%.0f"))
	fmt.Fprintf(w, "   the operator's kube-apiserver requests until then (audit log), per group: %s\n", s.perGroup(func(r runResult) requestCounts { return r.convergeKube }))
	fmt.Fprintf(w, "   groups exactly as declared in the simulator once converged: %s of %d; Ready after the steady state: %s\n",
		s.of(func(r runResult) float64 { return float64(r.asDeclared) }).show("%.0f"), sc.groups,
		s.of(func(r runResult) float64 { return float64(r.readyAfter) }).show("%.0f"))
	fmt.Fprintf(w, "   steady state (%s s): provider reads per group per interval %s (from each group's time between reads; the window's count gives %s), per sync %s, answered 429 %s; other provider calls: %s\n",
		s.of(func(r runResult) float64 { return r.window.Seconds() }).show("%.0f"), s.readsPerInterval().show("%.3f"),
		s.of(func(r runResult) float64 { return s.perGroupInterval(r, float64(r.reads)) }).show("%.3f"),
		s.of(func(r runResult) float64 { return float64(r.reads) / max(r.syncs, 1) }).show("%.2f"),
		s.of(func(r runResult) float64 { return float64(r.steady429) }).show("%.0f"), s.otherCalls())
	fmt.Fprintf(w, "   kube-apiserver requests in it, everyone's (apiserver_request_total): %s\n", s.kubeRequests(func(r runResult) requestCounts { return r.kubeAll }))
	fmt.Fprintf(w, "   by user (audit log): %s; the bench counted %s of its own\n", s.byUser(),
		s.of(func(r runResult) float64 { return float64(r.benchRequests) }).show("%.0f"))
	fmt.Fprintf(w, "   the operator's (everyone's less the other users'): %s\n", s.kubeRequests(func(r runResult) requestCounts { return r.kube }))
	fmt.Fprintf(w, "   the operator's writes per group per interval %s, Secret GETs %s; syncs per group per interval %s; operator CPU %s ms per sync\n",
		s.kubeWritesPerInterval().show("%.3f"), s.secretGets().show("%.0f"),
		s.of(func(r runResult) float64 { return s.perGroupInterval(r, r.syncs) }).show("%.3f"), s.cpuPerSync().show("%.3f"))
	fmt.Fprintf(w, "   operator memory: peak RSS (VmHWM) %s MiB, heap in use after a GC %s MiB; before the groups existed: RSS %s MiB, heap %s MiB\n",
		s.of(func(r runResult) float64 { return float64(r.end.PeakRSS) / mib }).show("%.0f"),
		s.of(func(r runResult) float64 { return float64(r.end.HeapInuse) / mib }).show("%.0f"),
		s.of(func(r runResult) float64 { return float64(r.base.RSS) / mib }).show("%.0f"),
		s.of(func(r runResult) float64 { return float64(r.base.HeapInuse) / mib }).show("%.0f"))
}

// otherCalls are the steady state's provider calls other than reads, by op, over every run.
func (s summary) otherCalls() string {
	total := map[string]int{}
	for _, r := range s.runs {
		for op, n := range r.otherCalls {
			total[op] += n
		}
	}
	if len(total) == 0 {
		return "none"
	}
	var parts []string
	for op, n := range total {
		parts = append(parts, fmt.Sprintf("%s %d", op, n))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ") + " (all runs)"
}

// kubeRequests are the steady state's kube-apiserver requests by kind, of which counts: the
// median over runs.
func (s summary) kubeRequests(of func(runResult) requestCounts) string {
	kinds := map[request]bool{}
	for _, r := range s.runs {
		for k := range of(r) {
			kinds[k] = true
		}
	}
	med := requestCounts{}
	for k := range kinds {
		med[k] = s.of(func(r runResult) float64 { return of(r)[k] }).median
	}
	return med.String()
}

// byUser are the audit log's counts by user and kind: the median over runs.
func (s summary) byUser() string {
	users := map[string]bool{}
	for _, r := range s.runs {
		for u := range r.kubeByUser {
			users[u] = true
		}
	}
	if len(users) == 0 {
		return "none"
	}
	var parts []string
	for u := range users {
		parts = append(parts, u+": "+s.kubeRequests(func(r runResult) requestCounts { return r.kubeByUser[u] }))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// perGroup are counts by kind per group: the median over runs.
func (s summary) perGroup(of func(runResult) requestCounts) string {
	kinds := map[request]bool{}
	for _, r := range s.runs {
		for k := range of(r) {
			kinds[k] = true
		}
	}
	var parts []string
	for k := range kinds {
		n := s.of(func(r runResult) float64 { return of(r)[k] / float64(s.scenario.groups) }).median
		parts = append(parts, fmt.Sprintf("%s %.2f", k, n))
	}
	if len(parts) == 0 {
		return "none"
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// row is one line of the goal table.
type row struct {
	figure, measured, goal string
	met                    bool
}

func (rep report) table(w io.Writer) {
	var rows []row
	many, haveMany := rep.find("many-accounts")
	one, haveOne := rep.find("one-account")
	tenK, haveTenK := rep.find("ten-thousand")
	// Memory is measured at 10k when that scenario ran, else projected from the many accounts'.
	if mem, ok := tenK, haveTenK; ok || haveMany {
		if !ok {
			mem = many
		}
		at10k, measured := mem.at10k()
		how := fmt.Sprintf("peak RSS %s MiB at %d groups; %s MiB at 10k projected linearly, below the soft limit",
			mem.of(func(r runResult) float64 { return float64(r.end.PeakRSS) / mib }).show("%.0f"), mem.scenario.groups, at10k.show("%.0f"))
		if measured {
			how = fmt.Sprintf("peak RSS %s MiB at 10k, measured", at10k.show("%.0f"))
		}
		per := mem.growthPerThousand()
		rows = append(rows, row{"operator memory, 10k groups × 256 members", fmt.Sprintf("%s; +%s MiB per 1k groups (heap after a GC: +%s MiB per 1k)",
			how, per.show("%.1f"), mem.heapPerThousand().show("%.1f")), "≤ 256 MiB at 10k, ≤ 32 MiB per extra 1k", at10k.median <= 256 && per.median <= 32})
	}
	var writes, reads []string
	writesMet, readsMet := len(rep.summaries) > 0, len(rep.summaries) > 0
	for _, s := range rep.summaries {
		wr, sg, rd := s.kubeWritesPerInterval(), s.secretGets(), s.readsPerInterval()
		label := fmt.Sprintf("%d×%d", s.scenario.groups, s.scenario.size)
		writes = append(writes, fmt.Sprintf("%s: %s writes, %s Secret GETs", label, wr.show("%.2f"), sg.show("%.0f")))
		reads = append(reads, fmt.Sprintf("%s: %s", label, rd.show("%.2f")))
		writesMet = writesMet && wr.hi == 0 && sg.hi == 0
		readsMet = readsMet && rd.lo >= 0.95 && rd.hi <= 1.05
	}
	rows = append(rows,
		row{"kube-apiserver writes per group per interval at rest", strings.Join(writes, "; "), "0 writes, 0 Secret GETs", writesMet},
		row{"provider reads per group per interval at rest", strings.Join(reads, "; "), "1.00 at every size (±0.05: the interval's ±10% jitter)", readsMet})
	var spread []summary
	if haveMany {
		spread = append(spread, many)
	}
	if haveTenK {
		spread = append(spread, tenK)
	}
	for _, s := range spread {
		rows = append(rows, row{fmt.Sprintf("convergence of %d groups (%d accounts) vs the time the rate limits allow", s.scenario.groups, s.scenario.accounts),
			s.ratio().show("%.2f") + "×" + s.limited() + s.controlPlaneShare(), "≤ 1.2×", s.ratio().median <= 1.2})
	}
	if haveOne {
		rows = append(rows, row{"200 groups × 1024 members on one account vs the rate-limit time", one.ratio().show("%.2f") + "×" + one.limited() + one.controlPlaneShare(), "≤ 1.1×", one.ratio().median <= 1.1})
	}
	if len(spread) > 0 {
		var cpu []string
		met := true
		for _, s := range spread {
			cpu = append(cpu, fmt.Sprintf("%d×%d: %s ms", s.scenario.groups, s.scenario.size, s.cpuPerSync().show("%.3f")))
			met = met && s.cpuPerSync().median <= 1
		}
		rows = append(rows, row{"operator CPU per sync of a 256-member group (at rest)", strings.Join(cpu, "; "), "≤ 1 ms", met})
	}
	rows = append(rows, row{fmt.Sprintf("plan of a 1024-member group (%d participants read)", rep.plan.participants),
		fmt.Sprintf("%.1f µs, %d B per plan", float64(rep.plan.ns)/1000, rep.plan.bytes), "< 50 µs, < 32 KB", rep.plan.ns < 50000 && rep.plan.bytes < 32<<10})

	fmt.Fprintf(w, "\n| figure | measured | goal | |\n|---|---|---|---|\n")
	for _, r := range rows {
		verdict := "met"
		if !r.met {
			verdict = "NOT MET"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.figure, r.measured, r.goal, verdict)
	}
	fmt.Fprintln(w)
}
