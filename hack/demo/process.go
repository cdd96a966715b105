package main

// This file owns the demo's child processes, wagov-sim (step 2) and wagov (step 3), run
// through internal/testenv: started with their output in a log file, awaited until they
// serve, and stopped, always, even when the demo fails or is interrupted.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wagov/wagov/internal/testenv"
)

// process is a running child.
type process struct{ *testenv.Process }

func (p process) stop() { p.Stop() }

// tail prints the last n lines of the child's log.
func (p process) tail(n int) {
	data, err := os.ReadFile(p.LogPath)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	lines = lines[max(0, len(lines)-n):]
	fmt.Printf("\n--- last %d lines of %s (%s) ---\n%s\n---\n", len(lines), p.Name, p.LogPath, strings.Join(lines, "\n"))
}

// startSim starts wagov-sim on a free loopback port and returns its base URL once it listens.
func startSim(ctx context.Context, p paths, dir string) (process, string, error) {
	proc, err := testenv.StartProcess("wagov-sim", filepath.Join(dir, "wagov-sim.log"), nil, p.sim, "--listen=127.0.0.1:0", "--seed="+p.seed)
	if err != nil {
		return process{}, "", err
	}
	url, err := proc.AwaitLog(ctx, testenv.Listening, 15*time.Second)
	if err != nil {
		proc.Stop()
		return process{}, "", err
	}
	return process{proc}, url, nil
}

// startOperator starts bin/wagov against the control plane and waits until it is ready.
func startOperator(ctx context.Context, p paths, kubeconfig, dir string) (process, error) {
	probe, err := testenv.FreeLoopbackAddr()
	if err != nil {
		return process{}, err
	}
	proc, err := testenv.StartProcess("wagov", filepath.Join(dir, "wagov.log"), []string{"KUBECONFIG=" + kubeconfig}, p.wagov,
		"--metrics-bind-address=0", "--health-probe-bind-address="+probe, "--confirm-after=1s")
	if err != nil {
		return process{}, err
	}
	fmt.Printf("  wagov log: %s\n", proc.LogPath)
	if err := proc.AwaitHTTP(ctx, "http://"+probe+"/readyz", 60*time.Second); err != nil {
		process{proc}.tail(40)
		proc.Stop()
		return process{}, err
	}
	fmt.Printf("  ready (probes on %s, metrics off, --confirm-after=1s)\n", probe)
	return process{proc}, nil
}
