package cli

// This file owns `kubectl wagov import`: a live group read through its provider becomes a
// WhatsAppGroup whose apply changes nothing, with what a reviewer must know in comments.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/roster"
)

type importOptions struct {
	provider, name, output string
	cluster                bool
}

func newImportCommand(env func() (*Env, error)) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import --provider NAME GROUP_ID",
		Short: "Print a WhatsAppGroup manifest of a live group; applying it changes nothing",
		Long: `import reads the live group through the provider (its object and Secret, read with your
kubeconfig) and prints a WhatsAppGroup that declares every member and admin as they are, with
membershipPolicy AddOnly: applying it changes nothing. The group's creator, the provider's account
and any participant known only by a hidden id (@lid) are noted in comments.`,
		Example: `  kubectl wagov import -n community --provider twochat WAG45b0f301-9203-4660-8b57-b51a6c2742a5 > group.yaml
  kubectl wagov import --cluster-provider --provider shared 120363000000000001@g.us --name board -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := env()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), e, args[0])
		},
	}
	cmd.Flags().StringVar(&o.provider, "provider", "", "the WhatsAppProvider (or, with --cluster-provider, ClusterWhatsAppProvider) to read the group through")
	cmd.Flags().BoolVar(&o.cluster, "cluster-provider", false, "--provider names a ClusterWhatsAppProvider")
	cmd.Flags().StringVar(&o.name, "name", "", "metadata.name of the WhatsAppGroup (default: from the group's subject, or its id)")
	cmd.Flags().StringVarP(&o.output, "output", "o", "yaml", "yaml or json (json carries no comments: the notes go to stderr)")
	_ = cmd.MarkFlagRequired("provider")
	return cmd
}

func (o importOptions) run(ctx context.Context, e *Env, groupID string) error {
	if o.output != "yaml" && o.output != "json" {
		return fmt.Errorf("--output %q: want yaml or json", o.output)
	}
	if o.name != "" {
		if errs := validation.IsDNS1123Subdomain(o.name); len(errs) > 0 {
			return fmt.Errorf("--name %q: %s", o.name, strings.Join(errs, "; "))
		}
	}
	g := &whatsappv1.WhatsAppGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: o.name},
		Spec:       whatsappv1.WhatsAppGroupSpec{ProviderRef: whatsappv1.ProviderReference{Kind: "WhatsAppProvider", Name: o.provider}, GroupID: groupID},
	}
	if o.cluster {
		g.Spec.ProviderRef.Kind = "ClusterWhatsAppProvider"
	}
	p, live, err := e.readGroup(ctx, g)
	if err != nil {
		return err
	}
	notes, err := adopt(g, p, live, e.Now())
	if err != nil {
		return err
	}
	return writeManifest(e, g, notes, o.output)
}

// adopt fills in g's roster from the live group, exactly as it is, and returns the notes a
// reviewer needs. It fails when the live group is unknown, or, as a check of itself, when
// a sync would plan any change to the group for the result.
func adopt(g *whatsappv1.WhatsAppGroup, p whatsappv1.ProviderObject, live roster.Group, now time.Time) ([]string, error) {
	if len(live.Participants) == 0 {
		return nil, fmt.Errorf("the provider returned no participants for group %s; wagov reads that as unknown, so there is nothing to import", live.ID)
	}
	var members, admins []roster.Phone
	var unresolved []roster.Participant
	for _, part := range live.Participants {
		switch {
		case !part.Resolved():
			unresolved = append(unresolved, part)
			continue
		case part.Role.IsAdmin():
			admins = append(admins, part.Phone)
		}
		members = append(members, part.Phone)
	}
	g.Spec.Members, g.Spec.Admins = e164s(members), e164s(admins)
	g.Spec.MembershipPolicy = whatsappv1.MembershipAddOnly
	g.Spec.AdminPolicy = whatsappv1.AdminEnforce
	if g.Name == "" {
		g.Name = nameFor(live.Name, g.Spec.GroupID)
	}
	if pl := plan.Compute(controller.PlanInput(g, members, admins, live, now)); !pl.Empty() {
		return nil, errors.New("internal error: the imported manifest would change the group; please report it")
	}
	return importNotes(g, p, live, unresolved, now), nil
}

// importNotes are the comments of an imported manifest.
func importNotes(g *whatsappv1.WhatsAppGroup, p whatsappv1.ProviderObject, live roster.Group, unresolved []roster.Participant, now time.Time) []string {
	spec := p.ProviderSpec()
	notes := []string{fmt.Sprintf("Imported by kubectl wagov at %s from group %s through %s (%s).",
		now.UTC().Format(time.RFC3339), g.Spec.GroupID, providerName(g), spec.Type)}
	if live.Name != "" {
		notes = append(notes, fmt.Sprintf("Subject: %q.", live.Name))
	}
	notes = append(notes, creatorNote(live), accountNote(live, spec.Account),
		fmt.Sprintf("Applying this changes nothing: it declares the %d members (admins among them) and the %d admins as they are, with membershipPolicy AddOnly.", len(g.Spec.Members), len(g.Spec.Admins)))
	for _, m := range g.Spec.Members {
		if _, err := roster.Validate(m); err != nil {
			notes = append(notes, fmt.Sprintf("Check: %v (kubectl wagov plan reports it as invalid).", err))
		}
	}
	if len(unresolved) > 0 {
		notes = append(notes, fmt.Sprintf("Not declared: %d participants the provider lists only by a hidden id (@lid), without a number; wagov never adds, removes, promotes or demotes them:", len(unresolved)))
		for _, u := range unresolved {
			notes = append(notes, fmt.Sprintf("  - %s (%s)", u.RawID, u.Role))
		}
	}
	return notes
}

// e164s are the numbers in E.164 form, sorted, each once.
func e164s(ps []roster.Phone) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.E164())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func creatorNote(live roster.Group) string {
	var creators []string
	for _, part := range live.Participants {
		if part.Role == roster.RoleSuperAdmin {
			creators = append(creators, participantName(part))
		}
	}
	if len(creators) == 0 {
		return "Creator: the provider marks no participant as the group's creator (superadmin)."
	}
	return "Creator: " + strings.Join(creators, ", ") + " (superadmin; wagov never demotes or removes the creator)."
}

func accountNote(live roster.Group, specAccount string) string {
	if live.Self == "" {
		return fmt.Sprintf("Provider account: %q; the provider does not say which participant it is, so wagov never demotes or removes an admin of this group: keep the account's number among the admins.", specAccount)
	}
	self, in := live.Index()[live.Self]
	switch {
	case !in:
		return fmt.Sprintf("Provider account: %s, NOT a participant: wagov can change nothing in this group until the account is added and made an admin.", live.Self.E164())
	case !self.Role.IsAdmin():
		return fmt.Sprintf("Provider account: %s, NOT an admin: wagov can change nothing in this group until the account is made an admin in WhatsApp.", live.Self.E164())
	}
	return fmt.Sprintf("Provider account: %s (%s; wagov never demotes or removes it).", live.Self.E164(), self.Role)
}

func participantName(p roster.Participant) string {
	if p.Resolved() {
		return p.Phone.E164()
	}
	return p.RawID
}

// nameFor makes a WhatsAppGroup name from the group's subject, or from its id when the subject
// has no letters or digits.
func nameFor(subject, groupID string) string {
	if name := slug(subject); name != "" {
		return name
	}
	return slug("group-" + groupID)
}

// slug is s in lower case, each run of other characters than a-z and 0-9 made one dash, at most
// 63 characters, so that it is a valid object name.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	out := b.String()
	return strings.Trim(out[:min(len(out), 63)], "-")
}
