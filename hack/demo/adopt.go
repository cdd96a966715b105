package main

// adopt.go is the demo's last step: adopting an existing WhatsApp group with the kubectl plugin
// (README, "Adopting an existing group"): `kubectl wagov import` reads the live group and
// prints a manifest, and `kubectl wagov plan` shows that applying it would change nothing.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

// plugin is the kubectl-wagov binary make build leaves in bin/.
const plugin = "bin/kubectl-wagov"

// adopt imports the live group of the first 2Chat group and plans the manifest it printed.
func (d *demo) adopt(ctx context.Context, work string) error {
	var g *whatsappv1.WhatsAppGroup
	for i := range d.groups {
		if p := d.facts[d.groups[i].Spec.ProviderRef.Name]; p.typ == whatsappv1.ProviderTwoChat {
			g = &d.groups[i]
			break
		}
	}
	if g == nil {
		return errors.New("adopt: the demo declares no 2Chat group")
	}
	importArgs := []string{"import", "--provider", g.Spec.ProviderRef.Name, g.Spec.GroupID, "--name", "adopted-" + g.Name, "-n", namespace}
	manifest, err := d.runPlugin(ctx, importArgs...)
	if err != nil {
		return err
	}
	fmt.Printf("  $ kubectl wagov %s\n%s", strings.Join(importArgs, " "), indent(manifest))
	file := filepath.Join(work, "adopted.yaml")
	if err = os.WriteFile(file, []byte(manifest), 0o600); err != nil {
		return err
	}
	out, err := d.runPlugin(ctx, "plan", "-f", file, "--live", "-n", namespace)
	fmt.Printf("  $ kubectl wagov plan -f adopted.yaml --live\n%s", indent(out))
	if err != nil {
		return fmt.Errorf("kubectl wagov plan of the imported manifest: %w (exit 0 means: applying it changes nothing)", err)
	}
	return nil
}

// runPlugin runs kubectl-wagov against the demo's cluster and returns its standard output.
func (d *demo) runPlugin(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, plugin, append([]string{"--kubeconfig=" + d.kc.kubeconfig}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), fmt.Errorf("kubectl wagov %s: %w\n%s", args[0], err, stderr.String())
	}
	return string(out), nil
}
