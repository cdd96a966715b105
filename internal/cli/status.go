package cli

// This file owns `kubectl wagov status`: each group's conditions, counts, pending changes,
// changes in flight and failures, with what a person should do about each failure.

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

func newStatusCommand(env func() (*Env, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "status [NAME]",
		Short: "Show the conditions, counts, pending changes and failures of WhatsAppGroups",
		Long: `status shows one WhatsAppGroup, or every one in the namespace: its conditions, member
counts, pending changes, changes in flight, and each failure with what to do about it.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := env()
			if err != nil {
				return err
			}
			groups, err := e.groups(cmd.Context(), args)
			if err != nil {
				return err
			}
			if len(groups) == 0 {
				fmt.Fprintf(e.Out, "No %ss in namespace %s.\n", groupKind, e.Namespace)
			}
			for i := range groups {
				writeStatus(e.Out, &groups[i], e.Now())
			}
			return nil
		},
	}
}

// groups are the named group, or all groups of the namespace by name.
func (e *Env) groups(ctx context.Context, names []string) ([]whatsappv1.WhatsAppGroup, error) {
	if len(names) == 1 {
		var g whatsappv1.WhatsAppGroup
		if err := e.Kube.Get(ctx, types.NamespacedName{Namespace: e.Namespace, Name: names[0]}, &g); err != nil {
			return nil, fmt.Errorf("get %s %s/%s: %w", groupKind, e.Namespace, names[0], err)
		}
		return []whatsappv1.WhatsAppGroup{g}, nil
	}
	var list whatsappv1.WhatsAppGroupList
	if err := e.Kube.List(ctx, &list, client.InNamespace(e.Namespace)); err != nil {
		return nil, fmt.Errorf("list %ss in %s: %w", groupKind, e.Namespace, err)
	}
	slices.SortFunc(list.Items, func(a, b whatsappv1.WhatsAppGroup) int { return strings.Compare(a.Name, b.Name) })
	return list.Items, nil
}

func writeStatus(out io.Writer, g *whatsappv1.WhatsAppGroup, now time.Time) {
	st := g.Status
	fmt.Fprintf(out, "%s %s/%s: group %s through %s\n", groupKind, g.Namespace, g.Name, g.Spec.GroupID, providerName(g))
	line := func(label, format string, args ...any) { io.WriteString(out, row(label, fmt.Sprintf(format, args...))) }
	if len(st.Conditions) == 0 {
		line("conditions", "none yet: the operator has not synced this group (is it running?)")
	}
	for _, t := range []string{whatsappv1.ConditionReady, whatsappv1.ConditionReconciling, whatsappv1.ConditionStalled} {
		if c := apimeta.FindStatusCondition(st.Conditions, t); c != nil {
			line(t, "%s %s: %s", c.Status, c.Reason, c.Message)
		}
	}
	line("members", "%d present, %d declared, %d admins", st.PresentMembers, st.DeclaredMembers, st.Admins)
	line("synced", "generation %d of %d; last read %s; last in sync %s", st.ObservedGeneration, g.Generation, ago(st.LastSyncTime, now), ago(st.LastSuccessfulSyncTime, now))
	if pd := st.Pending; pd != nil {
		for _, l := range []struct {
			word    string
			members []string
		}{{"add", pd.Add}, {"promote", pd.Promote}, {"demote", pd.Demote}, {"remove", pd.Remove}} {
			if len(l.members) > 0 {
				line("pending", "%s %s", l.word, strings.Join(l.members, ", "))
			}
		}
	}
	for _, sc := range st.InFlight {
		line("in flight", "%s %s, sent %s", strings.ToLower(sc.Operation), sc.Member, ago(&sc.SentAt, now))
	}
	for _, f := range st.Failures {
		writeFailure(line, f, now)
	}
	if g.Spec.Suspend {
		line("suspended", "no provider calls until `kubectl wagov resume %s`", g.Name)
	}
	if g.Spec.DryRun {
		line("dry run", "changes are shown in pending, never sent")
	}
	fmt.Fprintln(out)
}

func writeFailure(line func(label, format string, args ...any), f whatsappv1.MemberFailure, now time.Time) {
	retry := ""
	if f.RetryAfter != nil {
		retry = "; next try " + until(f.RetryAfter.Time, now)
	}
	line("FAILED", "%s %s: %s (%d attempts, last %s%s)", strings.ToLower(f.Operation), f.Member, f.Reason, f.Attempts, ago(&f.LastSeen, now), retry)
	if f.Message != "" {
		line("", "  provider said: %s", f.Message)
	}
	action := f.Action
	if action == "" {
		action = "none recorded: check the member's standing in the group"
	}
	line("", "  what to do: %s", action)
}

// conditionWords is a condition as "Ready=False MemberFailures", or says there is none.
func conditionWords(c *metav1.Condition) string {
	if c == nil {
		return "no Ready condition yet"
	}
	return fmt.Sprintf("%s=%s %s", c.Type, c.Status, c.Reason)
}

func ago(t *metav1.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	return duration.HumanDuration(now.Sub(t.Time)) + " ago"
}

func until(t, now time.Time) string {
	if !t.After(now) {
		return "now"
	}
	return "in " + duration.HumanDuration(t.Sub(now))
}
