package cli

// This file owns `kubectl wagov plan`: what applying WhatsAppGroup manifests would change,
// computed by plan.Compute and plan.Guard from the input a sync builds, against the live group
// (--live) or the group as the operator last saw it (its status, when that is enough).

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/roster"
)

type planOptions struct {
	files []string
	live  bool
}

func newPlanCommand(env func() (*Env, error)) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan -f FILE [--live]",
		Short: "Show what applying WhatsAppGroup manifests would change; exit 2 if anything",
		Long: `plan computes, for each WhatsAppGroup in the files, the plan a sync would make: adds,
promotions, demotions and removals, the changes held back or awaited, the participants left
alone and why, and what the safety guards would block. Numbers are checked against their
country's numbering plan.

With --live it reads the group through its provider (the provider object and Secret, with
your kubeconfig). Without it, it plans against the group as the operator last read it, which
status describes only when the group was in sync with its spec and has nobody else in it
(status holds counts, not the roster), and only for adds and promotions (status names neither
the creator nor the provider's own number); otherwise it says so and asks for --live.

Exit code: 0 when applying the files changes nothing, 2 when it changes something (or
changes are held or awaited), 1 on an error or an invalid number.`,
		Example: `  kubectl wagov plan -f groups/ --live
  kustomize build groups | kubectl wagov plan -f - --live`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := env()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), e)
		},
	}
	cmd.Flags().StringSliceVarP(&o.files, "filename", "f", nil, "manifest files (YAML or JSON, several documents each; - is stdin)")
	cmd.Flags().BoolVar(&o.live, "live", false, "read the live group through its provider instead of planning from status")
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

func (o planOptions) run(ctx context.Context, e *Env) error {
	groups, err := readGroups(o.files, e.In)
	if err != nil {
		return err
	}
	failed, changed := 0, false
	for _, g := range groups {
		if g.Namespace == "" {
			g.Namespace = e.Namespace
		}
		r, err := e.planGroup(ctx, g, o.live)
		if err != nil {
			failed++
			fmt.Fprintf(e.ErrOut, "error: plan %s %s/%s: %v\n", groupKind, g.Namespace, g.Name, err)
			continue
		}
		writePlan(e.Out, r)
		if len(r.invalid) > 0 {
			failed++
		}
		changed = changed || r.changes()
	}
	switch {
	case failed > 0:
		return fmt.Errorf("%d of %d groups could not be planned or declare invalid numbers", failed, len(groups))
	case changed:
		return errChanges
	}
	return nil
}

// groupPlan is one group's plan and what it was computed from.
type groupPlan struct {
	g *whatsappv1.WhatsAppGroup
	// source says what the live group was taken from.
	source  string
	plan    plan.Plan
	blocked *plan.Blocked
	// invalid are the declared numbers that cannot be phone numbers.
	invalid []string
}

// changes reports whether applying the group changes it: anything planned, held or awaited.
func (r *groupPlan) changes() bool { return len(r.plan.Needed()) > 0 }

const needLive = "run with --live to read the group through its provider"

// planGroup plans g, a manifest, against the live group or, without live, the group as the
// operator last read it. The status of g's object in the cluster, if any, gives what is
// backing off and what is in flight, as in a sync.
func (e *Env) planGroup(ctx context.Context, g *whatsappv1.WhatsAppGroup, live bool) (*groupPlan, error) {
	r := &groupPlan{g: g, invalid: invalidNumbers(g.Spec)}
	cluster, err := e.clusterGroup(ctx, types.NamespacedName{Namespace: g.Namespace, Name: g.Name})
	if err != nil {
		return nil, err
	}
	if cluster != nil {
		g.Status = cluster.Status
		if v, ok := cluster.Annotations[whatsappv1.ReconcileRequestedAtAnnotation]; ok {
			metav1.SetMetaDataAnnotation(&g.ObjectMeta, whatsappv1.ReconcileRequestedAtAnnotation, v)
		}
	}
	members, admins, err := controller.DeclaredRoster(ctx, e.Kube, g)
	if err != nil {
		return nil, err
	}
	var group roster.Group
	if live {
		_, group, err = e.readGroup(ctx, g)
		r.source = "the live group, read through " + providerName(g)
	} else {
		group, r.source, err = e.observedGroup(ctx, g, cluster)
	}
	if err != nil {
		return nil, err
	}
	in := controller.PlanInput(g, members, admins, group, e.Now())
	r.plan = plan.Compute(in)
	if err := plan.Guard(r.plan, in.Live, controller.SafetyLimits(g.Spec.Safety)); err != nil {
		if !errors.As(err, &r.blocked) || r.blocked.Reason == plan.BlockRosterUnknown {
			return nil, err
		}
	}
	if !live && len(r.plan.Demote)+len(r.plan.Remove)+len(r.plan.Protected) > 0 {
		return nil, errors.New("the plan demotes or removes participants, and status names neither the group's creator nor the provider's own number, which are never changed; " + needLive)
	}
	return r, nil
}

// clusterGroup is the group's object in the cluster, nil when there is none.
func (e *Env) clusterGroup(ctx context.Context, key types.NamespacedName) (*whatsappv1.WhatsAppGroup, error) {
	g := &whatsappv1.WhatsAppGroup{}
	if err := e.Kube.Get(ctx, key, g); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get %s %s: %w", groupKind, key, err)
	}
	return g, nil
}

// observedGroup rebuilds the live group from the status of the cluster's object, when it
// describes it fully: the last sync found the group in sync with the current generation, and
// the counts show nobody in it but the declared roster. It fails, saying why, otherwise.
func (e *Env) observedGroup(ctx context.Context, g, cluster *whatsappv1.WhatsAppGroup) (roster.Group, string, error) {
	if cluster == nil {
		return roster.Group{}, "", errors.New("not in the cluster, so no status describes its group; " + needLive)
	}
	if cluster.Spec.GroupID != g.Spec.GroupID || providerName(cluster) != providerName(g) {
		return roster.Group{}, "", errors.New("the manifest names another group or provider than the cluster's object, whose status describes its own; " + needLive)
	}
	st := cluster.Status
	ready := apimeta.FindStatusCondition(st.Conditions, whatsappv1.ConditionReady)
	if st.ObservedGeneration != cluster.Generation || ready == nil || ready.Status != metav1.ConditionTrue || ready.Reason != whatsappv1.ReasonInSync {
		return roster.Group{}, "", fmt.Errorf("its status does not say the group was in sync with generation %d (%s), and it holds counts, not the roster; %s", cluster.Generation, conditionWords(ready), needLive)
	}
	members, admins, err := controller.DeclaredRoster(ctx, e.Kube, cluster)
	if err != nil {
		return roster.Group{}, "", err
	}
	isAdmin := map[roster.Phone]bool{}
	for _, a := range admins {
		isAdmin[a] = true
	}
	declared := slices.Compact(slices.Sorted(slices.Values(slices.Concat(members, admins))))
	if int(st.PresentMembers) != len(declared) || int(st.Admins) != len(isAdmin) {
		return roster.Group{}, "", fmt.Errorf("status counts %d participants and %d admins where the cluster's spec declares %d and %d, and does not say who the others are; %s",
			st.PresentMembers, st.Admins, len(declared), len(isAdmin), needLive)
	}
	live := roster.Group{ID: cluster.Spec.GroupID}
	for _, p := range declared {
		role := roster.RoleMember
		if isAdmin[p] {
			role = roster.RoleAdmin
		}
		live.Participants = append(live.Participants, roster.Participant{Phone: p, RawID: p.E164(), Role: role})
	}
	source := "status: the group as last read in sync with the cluster's spec"
	if st.LastSuccessfulSyncTime != nil {
		source += " (" + st.LastSuccessfulSyncTime.UTC().Format("2006-01-02 15:04 MST") + ")"
	}
	return live, source + "; not read again", nil
}

// invalidNumbers are the inline numbers that are not possible phone numbers, with why.
func invalidNumbers(spec whatsappv1.WhatsAppGroupSpec) []string {
	var out []string
	for _, l := range []struct {
		field   string
		numbers []string
	}{{"members", spec.Members}, {"admins", spec.Admins}} {
		for _, n := range l.numbers {
			if _, err := roster.Validate(n); err != nil {
				out = append(out, l.field+": "+err.Error())
			}
		}
	}
	return out
}
