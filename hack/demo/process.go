package main

// This file owns the demo's child processes, wagov-sim (step 2) and wagov (step 3): starting
// them with their output in a log file, waiting until they serve, and stopping them, always,
// even when the demo fails or is interrupted.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a running child with its output in a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	exited  chan struct{} // closed once the child has exited
	waitErr error
}

// startProcess runs bin with args and env added to the demo's own environment; stdout and
// stderr go to logPath, and stdout also to watch (when not nil).
func startProcess(name, logPath string, watch io.Writer, env []string, bin string, args ...string) (*process, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if watch != nil {
		cmd.Stdout = io.MultiWriter(f, watch)
	}
	// Own process group: a Ctrl-C reaches only the demo, which then stops children in order.
	// Pdeathsig stops the child should the demo itself be killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, logFile: f, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// stop asks the child to shut down, and kills it if it has not within 10 seconds.
func (p *process) stop() {
	defer p.logFile.Close()
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		fmt.Printf("%s did not stop within 10s; killing it\n", p.name)
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// exitedErr is the error to report when the child is found to have exited early.
func (p *process) exitedErr() error {
	return fmt.Errorf("%s exited early (%w); see %s", p.name, p.waitErr, p.logPath)
}

// tail prints the last n lines of the child's log.
func (p *process) tail(n int) {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	lines = lines[max(0, len(lines)-n):]
	fmt.Printf("\n--- last %d lines of %s (%s) ---\n%s\n---\n", len(lines), p.name, p.logPath, strings.Join(lines, "\n"))
}

// awaitLine waits until the child writes a line containing marker to w, and returns it.
func (p *process) awaitLine(ctx context.Context, w *lineWatcher, timeout time.Duration) (string, error) {
	select {
	case line := <-w.found:
		return line, nil
	case <-p.exited:
		return "", p.exitedErr()
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(timeout):
		return "", fmt.Errorf("%s did not print %q within %s; see %s", p.name, w.marker, timeout, p.logPath)
	}
}

// awaitHTTP polls url until it answers 200.
func (p *process) awaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 on %s within %s; see %s", p.name, url, timeout, p.logPath)
		}
		select {
		case <-p.exited:
			return p.exitedErr()
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// lineWatcher is an io.Writer that reports the first line containing marker.
type lineWatcher struct {
	marker string
	found  chan string
	mu     sync.Mutex
	buf    bytes.Buffer
	done   bool
}

func newLineWatcher(marker string) *lineWatcher {
	return &lineWatcher{marker: marker, found: make(chan string, 1)}
}

func (w *lineWatcher) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return len(b), nil
	}
	w.buf.Write(b)
	sc := bufio.NewScanner(bytes.NewReader(w.buf.Bytes()))
	for sc.Scan() {
		if strings.Contains(sc.Text(), w.marker) {
			w.done = true
			w.found <- sc.Text()
			break
		}
	}
	return len(b), nil
}

// freeLoopbackAddr returns a loopback address with a port that was free a moment ago.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startSim starts wagov-sim on a free loopback port and returns its base URL once it listens.
func startSim(ctx context.Context, p paths, dir string) (*process, string, error) {
	w := newLineWatcher("listening on ")
	proc, err := startProcess("wagov-sim", filepath.Join(dir, "wagov-sim.log"), w, nil, p.sim, "--listen=127.0.0.1:0", "--seed="+p.seed)
	if err != nil {
		return nil, "", err
	}
	line, err := proc.awaitLine(ctx, w, 15*time.Second)
	if err != nil {
		proc.stop()
		return nil, "", err
	}
	return proc, strings.TrimSpace(line[strings.Index(line, "http://"):]), nil
}

// startOperator starts bin/wagov against the control plane and waits until it is ready.
func startOperator(ctx context.Context, p paths, kubeconfig, dir string) (*process, error) {
	probe, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	proc, err := startProcess("wagov", filepath.Join(dir, "wagov.log"), nil, []string{"KUBECONFIG=" + kubeconfig}, p.wagov,
		"--metrics-bind-address=0", "--health-probe-bind-address="+probe, "--confirm-after=1s")
	if err != nil {
		return nil, err
	}
	fmt.Printf("  wagov log: %s\n", proc.logPath)
	if err := proc.awaitHTTP(ctx, "http://"+probe+"/readyz", 60*time.Second); err != nil {
		proc.tail(40)
		proc.stop()
		return nil, err
	}
	fmt.Printf("  ready (probes on %s, metrics off, --confirm-after=1s)\n", probe)
	return proc, nil
}
