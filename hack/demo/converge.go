package main

// This file owns step 5: waiting, with the real `kubectl wait`, until every WhatsAppGroup is
// Ready, showing `kubectl get wap,wag` whenever it changes meanwhile, and, when the wait
// fails, each group's conditions so that the reason is on screen.

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

// readyTimeout bounds the wait for every group to be Ready.
const readyTimeout = 120 * time.Second

// timeoutFlag is readyTimeout as kubectl wait's --timeout, in seconds.
func timeoutFlag() string { return fmt.Sprintf("--timeout=%ds", int(readyTimeout.Seconds())) }

// waitReady runs `kubectl wait --for=condition=Ready whatsappgroup --all` and shows progress.
func waitReady(ctx context.Context, kc kubectl, namespace string) error {
	wait := kc.command(ctx, "wait", "--for=condition=Ready", "whatsappgroup", "--all", "-n", namespace, timeoutFlag())
	var out bytes.Buffer
	wait.Stdout, wait.Stderr = &out, &out
	if err := wait.Start(); err != nil {
		return fmt.Errorf("kubectl wait: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- wait.Wait() }()

	start, shown := time.Now(), ""
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		shown = showProgress(ctx, kc, namespace, start, shown)
		select {
		case err := <-done:
			showProgress(ctx, kc, namespace, start, shown)
			fmt.Print(indent(out.String()))
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				return fmt.Errorf("not every WhatsAppGroup was Ready within %s (kubectl wait: %w)", readyTimeout, err)
			}
			return nil
		case <-tick.C:
		}
	}
}

// showProgress prints `kubectl get wap,wag -o wide` when it differs, ages aside, from what
// was shown last, and returns what is now shown.
func showProgress(ctx context.Context, kc kubectl, namespace string, start time.Time, shown string) string {
	out, err := kc.run(ctx, "get", "wap,wag", "-n", namespace, "-o", "wide")
	if err != nil {
		return shown
	}
	if withoutAges(out) == withoutAges(shown) {
		return shown
	}
	fmt.Printf("  [+%4.1fs]\n%s", time.Since(start).Seconds(), indent(out))
	return out
}

// withoutAges drops the last column (AGE) of every line, which changes every second.
func withoutAges(table string) string {
	lines := strings.Split(strings.TrimSpace(table), "\n")
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 {
			lines[i] = strings.Join(f[:len(f)-1], " ")
		}
	}
	return strings.Join(lines, "\n")
}

// indent indents every non-empty line of s by four spaces.
func indent(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if l != "" {
			b.WriteString("    ")
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

// fetchGroups reads the applied groups back, with the defaults the API server filled in.
func fetchGroups(ctx context.Context, c client.Client, declared []whatsappv1.WhatsAppGroup) ([]whatsappv1.WhatsAppGroup, error) {
	out := make([]whatsappv1.WhatsAppGroup, len(declared))
	for i, g := range declared {
		if err := c.Get(ctx, client.ObjectKeyFromObject(&g), &out[i]); err != nil {
			return nil, fmt.Errorf("get WhatsAppGroup %s: %w", g.Name, err)
		}
	}
	return out, nil
}

// printConditions prints each group's conditions, pending changes and member failures.
func printConditions(ctx context.Context, c client.Client, declared []whatsappv1.WhatsAppGroup) {
	groups, err := fetchGroups(ctx, c, declared)
	if err != nil {
		fmt.Printf("  %v\n", err)
		return
	}
	for _, g := range groups {
		fmt.Printf("  %s (generation %d, observed %d):\n", g.Name, g.Generation, g.Status.ObservedGeneration)
		for _, cond := range g.Status.Conditions {
			fmt.Printf("    %s=%s %s: %s\n", cond.Type, cond.Status, cond.Reason, cond.Message)
		}
		if p := g.Status.Pending; p != nil {
			fmt.Printf("    pending: add %v promote %v demote %v remove %v\n", p.Add, p.Promote, p.Demote, p.Remove)
		}
		for _, f := range g.Status.Failures {
			fmt.Printf("    failure: %s %s %s: %s\n", f.Operation, f.Member, f.Reason, f.Message)
		}
	}
}
