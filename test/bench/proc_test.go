package bench

// This file owns what the bench reads of processes from /proc: an operator's memory, and the CPU
// time of the control plane (the kube-apiserver and etcd, this process's children), so that a
// slow convergence shows where the machine's time went.

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// procStatus reads VmHWM and VmRSS of this process, in bytes.
func procStatus() (peak, rss int64, err error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, _ := strings.Cut(sc.Text(), ":")
		kb, perr := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		switch {
		case key == "VmHWM" && perr == nil:
			peak = kb << 10
		case key == "VmRSS" && perr == nil:
			rss = kb << 10
		}
	}
	if peak == 0 || rss == 0 {
		return 0, 0, errors.New("no VmHWM or VmRSS in /proc/self/status")
	}
	return peak, rss, sc.Err()
}

// selfCPU is this process's user and system time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childrenCPU is the user and system time so far of this process's running children but
// those in except: the control plane's processes, once the operator's is excepted.
func childrenCPU(except ...int) time.Duration {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var total time.Duration
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// After the command's closing parenthesis: state, ppid, ..., utime (14th field), stime.
		_, rest, ok := strings.Cut(string(b), ") ")
		f := strings.Fields(rest)
		if !ok || len(f) < 13 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if ppid, _ := strconv.Atoi(f[1]); ppid != os.Getpid() || slices.Contains(except, pid) {
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(utime+stime) * clockTick
	}
	return total
}
