package testenv

// This file owns child processes (wagov and wagov-sim as binaries, for the demo and the
// end-to-end test): each writes its output to a log file, is stopped with SIGTERM and then
// SIGKILL after 10 seconds, and goes with its parent should the parent be killed.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"time"
)

// Process is a running child with its output in a log file.
type Process struct {
	// Name names the child in messages.
	Name string
	// LogPath is the file its stdout and stderr go to.
	LogPath string
	cmd     *exec.Cmd
	logFile *os.File
	exited  chan struct{}
	waitErr error
}

// StartProcess runs bin with args, adding env to this process's environment, with its output
// in logPath.
func StartProcess(name, logPath string, env []string, bin string, args ...string) (*Process, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	// Own process group: a Ctrl-C reaches only the parent, which then stops its children in
	// order. Pdeathsig stops the child should the parent itself be killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, logFile: f, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Stop asks the child to shut down and kills it if it has not within 10 seconds. Stopping a
// stopped child does nothing.
func (p *Process) Stop() {
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
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// Exited is closed once the child has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ExitErr is the error to report when the child is found to have exited early.
func (p *Process) ExitErr() error {
	return fmt.Errorf("%s exited early (%w); see %s", p.Name, p.waitErr, p.LogPath)
}

// Log returns what the child has written so far.
func (p *Process) Log() (string, error) {
	b, err := os.ReadFile(p.LogPath)
	return string(b), err
}

// Await polls ok until it holds, failing when the child exits, ctx ends or timeout passes.
func (p *Process) Await(ctx context.Context, what string, timeout time.Duration, ok func() bool) error {
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no %s within %s; see %s", p.Name, what, timeout, p.LogPath)
		}
		select {
		case <-p.exited:
			return p.ExitErr()
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// AwaitLog waits until the child's log matches re and returns the first submatch (or the match).
func (p *Process) AwaitLog(ctx context.Context, re *regexp.Regexp, timeout time.Duration) (string, error) {
	var found string
	err := p.Await(ctx, fmt.Sprintf("log line matching %q", re), timeout, func() bool {
		log, _ := p.Log()
		if m := re.FindStringSubmatch(log); m != nil {
			found = m[len(m)-1]
		}
		return found != ""
	})
	return found, err
}

// AwaitHTTP waits until url answers 200.
func (p *Process) AwaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	return p.Await(ctx, "200 from "+url, timeout, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// FreeLoopbackAddr returns a loopback address whose port was free a moment ago.
func FreeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Listening matches the line wagov-sim prints once it serves, capturing its base URL.
var Listening = regexp.MustCompile(`listening on (http://\S+)`)
