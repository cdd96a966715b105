// Package cpulimit runs the Go scheduler with one P (GOMAXPROCS=1) when the container may use at
// most one CPU. Go's default since 1.25 follows the container's CPU limit, but never goes below
// two. The operator's work at rest is a trickle of short syncs, each mostly waiting on one
// provider read, and there a second P costs more than it gives: work arriving on an idle
// process wakes a second thread to look for more, which finds none. Under a limit of one CPU
// or less a second P adds no throughput, since the quota is the ceiling. make bench measured a
// fifth less CPU per sync at rest with one, and less while converging, which took as long
// (README, "Operating at scale").
package cpulimit

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
)

// cgroupV2 holds the container's CPU limit as "quota period" in microseconds, or "max period".
const cgroupV2 = "/sys/fs/cgroup/cpu.max"

// cgroupV1 hold the same limit in two files; a quota of -1 means none.
var cgroupV1 = [2]string{"/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"}

// FromContainer applies the container's CPU limit (see Apply), unless GOMAXPROCS is set (the
// runtime has applied it) or there is no limit. It returns GOMAXPROCS and where it came from
// ("" for Go's own default).
func FromContainer() (int, string) {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0), "GOMAXPROCS"
	}
	if b, err := os.ReadFile(cgroupV2); err == nil {
		if cpus, ok := parseV2(b); ok {
			return Apply(cpus), cgroupV2
		}
		return runtime.GOMAXPROCS(0), ""
	}
	quota, qerr := os.ReadFile(cgroupV1[0])
	period, perr := os.ReadFile(cgroupV1[1])
	if qerr == nil && perr == nil {
		if cpus, ok := parseV1(quota, period); ok {
			return Apply(cpus), cgroupV1[0]
		}
	}
	return runtime.GOMAXPROCS(0), ""
}

// Apply sets GOMAXPROCS to 1 under a limit of at most one CPU, and leaves Go's default (which
// follows a changing limit) alone above it. It returns GOMAXPROCS. A GOMAXPROCS set here no
// longer follows the limit: a Pod resized in place above one CPU keeps one P until it restarts.
func Apply(cpus float64) int {
	if cpus > 0 && cpus <= 1 {
		runtime.GOMAXPROCS(1)
	}
	return runtime.GOMAXPROCS(0)
}

// parseV2 reads cpu.max: the CPUs its quota allows, or false for "max" or anything unreadable.
func parseV2(b []byte) (float64, bool) {
	f := bytes.Fields(b)
	if len(f) != 2 {
		return 0, false
	}
	return ratio(f[0], f[1])
}

// parseV1 reads cpu.cfs_quota_us and cpu.cfs_period_us.
func parseV1(quota, period []byte) (float64, bool) {
	return ratio(bytes.TrimSpace(quota), bytes.TrimSpace(period))
}

func ratio(quota, period []byte) (float64, bool) {
	q, err := strconv.ParseInt(string(quota), 10, 64)
	if err != nil || q <= 0 {
		return 0, false
	}
	p, err := strconv.ParseInt(string(period), 10, 64)
	if err != nil || p <= 0 {
		return 0, false
	}
	return float64(q) / float64(p), true
}
