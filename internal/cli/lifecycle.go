package cli

// This file owns the commands that ask the operator for something by patching a group: a sync
// now (the reconcile-requested-at annotation, then waiting for status to echo it), and
// suspending or resuming all provider calls (spec.suspend).

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

type reconcileOptions struct {
	timeout, poll time.Duration
}

func newReconcileCommand(env func() (*Env, error)) *cobra.Command {
	o := reconcileOptions{poll: 500 * time.Millisecond}
	cmd := &cobra.Command{
		Use:   "reconcile NAME",
		Short: "Ask the operator to sync a WhatsAppGroup now, and wait until it has",
		Long: `reconcile sets the group's ` + whatsappv1.ReconcileRequestedAtAnnotation + ` annotation to
the current time and waits until status.lastHandledReconcileAt shows it handled. A requested sync
also retries the changes backing off in status.failures.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := env()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), e, args[0])
		},
	}
	cmd.Flags().DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for the sync; 0 returns at once")
	return cmd
}

func (o reconcileOptions) run(ctx context.Context, e *Env, name string) error {
	at := e.Now().UTC().Format(time.RFC3339Nano)
	key := types.NamespacedName{Namespace: e.Namespace, Name: name}
	if err := e.patchGroup(ctx, key, map[string]any{"metadata": map[string]any{"annotations": map[string]string{whatsappv1.ReconcileRequestedAtAnnotation: at}}}); err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s %s: sync requested at %s\n", groupKind, key, at)
	if o.timeout == 0 {
		return nil
	}
	g := &whatsappv1.WhatsAppGroup{}
	err := wait.PollUntilContextTimeout(ctx, o.poll, o.timeout, true, func(ctx context.Context) (bool, error) {
		if err := e.Kube.Get(ctx, key, g); err != nil {
			return false, err
		}
		return g.Status.LastHandledReconcileAt == at, nil
	})
	if wait.Interrupted(err) {
		return fmt.Errorf("the operator did not handle the request within %s; is it running, and does it watch this group? (kubectl wagov status %s)", o.timeout, name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s %s: synced; %s\n", groupKind, key, conditionWords(apimeta.FindStatusCondition(g.Status.Conditions, whatsappv1.ConditionReady)))
	return nil
}

func newSuspendCommand(env func() (*Env, error), suspend bool) *cobra.Command {
	use, short, done := "suspend NAME", "Stop every provider call for a WhatsAppGroup (spec.suspend: true)", "suspended: no provider calls until `kubectl wagov resume %s`"
	if !suspend {
		use, short, done = "resume NAME", "Resume a suspended WhatsAppGroup (spec.suspend: false)", "resumed: the operator syncs it again (kubectl wagov status %s)"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := env()
			if err != nil {
				return err
			}
			key := types.NamespacedName{Namespace: e.Namespace, Name: args[0]}
			if err := e.patchGroup(cmd.Context(), key, map[string]any{"spec": map[string]any{"suspend": suspend}}); err != nil {
				return err
			}
			fmt.Fprintf(e.Out, "%s %s %s\n", groupKind, key, fmt.Sprintf(done, args[0]))
			return nil
		},
	}
}

// patchGroup applies a JSON merge patch to a group.
func (e *Env) patchGroup(ctx context.Context, key types.NamespacedName, patch map[string]any) error {
	data, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	g := &whatsappv1.WhatsAppGroup{}
	g.Namespace, g.Name = key.Namespace, key.Name
	if err := e.Kube.Patch(ctx, g, client.RawPatch(types.MergePatchType, data)); err != nil {
		return fmt.Errorf("patch %s %s: %w", groupKind, key, err)
	}
	return nil
}
