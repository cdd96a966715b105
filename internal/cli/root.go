// Package cli is kubectl-wagov, wagov's kubectl plugin: it imports a live WhatsApp group as a
// WhatsAppGroup manifest, plans a manifest against its group, shows groups' status, and asks
// the operator for a sync, a suspension or a resumption. It reads WhatsApp groups and never
// writes to them: the only provider client it holds is a GroupReader.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// The plugin's exit codes: plan exits ExitChanges when applying its manifests would change a
// group, so that it fits CI.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitChanges = 2
)

// errChanges is what a command returns to exit with ExitChanges, having said everything.
var errChanges = errors.New("the plan has changes")

// Main runs the plugin with the command-line arguments args and returns its exit code.
func Main(args []string, streams genericiooptions.IOStreams) int {
	return execute(NewCommand(streams), args, streams.ErrOut)
}

// NewCommand is the plugin's root command, with kubectl's connection flags (--kubeconfig,
// --context, -n and the rest).
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	root := newRoot(streams, func() (*Env, error) { return envFrom(flags, streams) })
	flags.AddFlags(root.PersistentFlags())
	return root
}

// newRoot is the root command over env, which gives the commands what they act through once
// the flags are parsed.
func newRoot(streams genericiooptions.IOStreams, env func() (*Env, error)) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-wagov",
		Short: "Import, plan and operate wagov's WhatsAppGroups",
		Long: `kubectl wagov works with wagov's WhatsAppGroups. It reads WhatsApp groups through their
providers (with the provider object and Secret your kubeconfig may read) and never writes to them.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl wagov"},
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.AddCommand(
		newImportCommand(env),
		newPlanCommand(env),
		newStatusCommand(env),
		newReconcileCommand(env),
		newSuspendCommand(env, true),
		newSuspendCommand(env, false),
	)
	return root
}

// execute runs cmd with args and turns its outcome into an exit code, printing an error.
func execute(cmd *cobra.Command, args []string, errOut io.Writer) int {
	cmd.SetArgs(args)
	err := cmd.Execute()
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errChanges):
		return ExitChanges
	}
	fmt.Fprintln(errOut, "error:", err)
	return ExitError
}
