package plugin

// kubectl wagov import on every provider type: the manifest declares the live group as it is,
// and the operator, given it, writes nothing to the group; plan agrees, from the live group and
// from status.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/cli"
	"github.com/wagov/wagov/internal/sim"
	wasendsim "github.com/wagov/wagov/internal/sim/wasend"
)

// typeCase is one provider type's account and group in the simulator.
type typeCase struct {
	Type whatsappv1.ProviderType
	// EndpointPath follows the simulator's URL in spec.endpoint (Wasend's mount).
	EndpointPath string
	Account      sim.Account
	// SpecAccount is spec.account.
	SpecAccount string
	Group       sim.SeedGroup
}

// typeCases are one group per provider type; each account's first number is its own, an admin
// of the group, and the first participant is the creator.
func typeCases() []typeCase {
	group := func(id, prefix string, extra ...sim.SeedMember) sim.SeedGroup {
		return sim.SeedGroup{ID: id, Name: "Plugin " + prefix, Participants: append([]sim.SeedMember{
			{Phone: prefix + "99", Role: "superadmin"}, {Phone: prefix + "00", Role: "admin"}, {Phone: prefix + "01", Role: "admin"},
			{Phone: prefix + "02"}, {Phone: prefix + "03"},
		}, extra...)}
	}
	account := func(typ, session, prefix string) sim.Account {
		return sim.Account{Name: "plugin-" + strings.ToLower(typ), Type: typ, APIKey: "plugin-" + strings.ToLower(typ) + "-key", Session: session, Numbers: []string{prefix + "00"}}
	}
	return []typeCase{
		{Type: whatsappv1.ProviderTwoChat, Account: account("TwoChat", "", "+336125100"), SpecAccount: "+33612510000",
			Group: func() sim.SeedGroup {
				g := group("WAG-plugin-2chat", "+336125100")
				g.JID = "120363000000005101@g.us"
				return g
			}()},
		{Type: whatsappv1.ProviderWasend, EndpointPath: wasendsim.WebsiteMount, Account: account("Wasend", "plugin-wasend", "+336125200"), SpecAccount: "plugin-wasend",
			Group: group("120363000000005201@g.us", "+336125200")},
		{Type: whatsappv1.ProviderWawp, Account: account("Wawp", "PLUGINWAWP01", "+336125300"), SpecAccount: "PLUGINWAWP01",
			Group: group("120363000000005301@g.us", "+336125300")},
		{Type: whatsappv1.ProviderWAHA, Account: account("WAHA", "plugin-waha", "+336125400"), SpecAccount: "plugin-waha",
			Group: group("120363000000005401@g.us", "+336125400")},
		{Type: whatsappv1.ProviderEvolution, Account: account("Evolution", "plugin-evolution", "+336125500"), SpecAccount: "plugin-evolution",
			// a Brazilian mobile stored without its ninth digit, as WhatsApp keeps older accounts
			Group: group("120363000000005501@g.us", "+336125500", sim.SeedMember{Phone: "+553187655501"})},
		{Type: whatsappv1.ProviderGOWA, Account: func() sim.Account {
			a := account("GOWA", "plugin-gowa-device", "+336125600")
			a.APIKey = "plugin-gowa:pass"
			return a
		}(), SpecAccount: "plugin-gowa-device", Group: group("120363000000005601@g.us", "+336125600")},
		{Type: whatsappv1.ProviderQuickGateway, Account: account("QuickGateway", "01JQ0000000000000000000P01", "+336125700"), SpecAccount: "01JQ0000000000000000000P01",
			Group: group("120363000000005701@g.us", "+336125700")},
	}
}

// lidGroup is a 2Chat group whose read lists one admin only by a hidden id, without a number.
const lidGroup, lidID = "WAG-plugin-2chat-lid", "207134500000051@lid"

func seed() sim.Seed {
	var s sim.Seed
	for _, c := range typeCases() {
		s.Accounts = append(s.Accounts, c.Account)
		s.Groups = append(s.Groups, c.Group)
	}
	s.Groups = append(s.Groups, sim.SeedGroup{ID: lidGroup, JID: "120363000000005102@g.us", Participants: []sim.SeedMember{
		{Phone: "+33612510199", Role: "superadmin"}, {Phone: "+33612510000", Role: "admin"}, {Phone: "+33612510101"},
	}})
	return s
}

// providerFor creates a namespace with the case's Secret and provider "p".
func providerFor(t *testing.T, c typeCase) string {
	t.Helper()
	ctx := context.Background()
	ns := newNamespace(t)
	if err := k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "credentials"}, StringData: map[string]string{"apiKey": c.Account.APIKey}}); err != nil {
		t.Fatal(err)
	}
	p := &whatsappv1.WhatsAppProvider{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"},
		Spec: whatsappv1.ProviderSpec{
			Type: c.Type, Endpoint: simURL + c.EndpointPath, AllowInsecureHTTP: true, Account: c.SpecAccount,
			CredentialsRef: whatsappv1.SecretKeyRef{Name: "credentials", Key: "apiKey"},
			RateLimit:      &whatsappv1.RateLimit{RequestsPerMinute: 6000, Burst: 50},
		},
	}
	if err := k8s.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestImportEveryProviderType(t *testing.T) {
	for _, c := range typeCases() {
		t.Run(string(c.Type), func(t *testing.T) {
			ns := providerFor(t, c)
			var members, admins []string
			for _, m := range c.Group.Participants {
				members = append(members, m.Phone)
				if m.Role != "" {
					admins = append(admins, m.Phone)
				}
			}
			mark := time.Now()
			manifest := importGroup(t, ns, c.Group.ID, members, admins,
				"# Creator: "+c.Group.Participants[0].Phone+" (superadmin",
				"through WhatsAppProvider "+ns+"/p ("+string(c.Type)+")")
			if !strings.Contains(manifest, "# Provider account: "+c.Account.Numbers[0]) && !strings.Contains(manifest, `# Provider account: "`+c.SpecAccount+`"`) {
				t.Errorf("manifest does not name the provider account:\n%s", manifest)
			}
			appliedChangesNothing(t, ns, manifest, c.Group.ID, mark, cli.ExitOK)
		})
	}
}

// TestImportListsUnresolvedParticipants: a participant the provider lists only by a hidden id
// is named in a comment, left out of the spec, and left alone by the operator.
func TestImportListsUnresolvedParticipants(t *testing.T) {
	c := typeCases()[0]
	ns := providerFor(t, c)
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Provider: "TwoChat", Op: sim.OpRead, Group: lidGroup, Status: 200, Body: `{"success":true,"data":{"uuid":"` + lidGroup + `","wa_group_name":"By LID","participants":[
		{"wa_participant_id":"33612510199@c.us","phone_number":"+33612510199","wa_is_admin":true,"wa_is_super_admin":true},
		{"wa_participant_id":"33612510000@c.us","phone_number":"+33612510000","wa_is_admin":true},
		{"wa_participant_id":"33612510101@c.us","phone_number":"+33612510101"},
		{"wa_participant_id":"` + lidID + `","phone_number":"","wa_is_admin":true}]}}`})
	mark := time.Now()
	manifest := importGroup(t, ns, lidGroup, []string{"+33612510000", "+33612510101", "+33612510199"}, []string{"+33612510000", "+33612510199"},
		"# Not declared: 1 participants the provider lists only by a hidden id (@lid)", "#   - "+lidID+" (admin)")
	// Status counts the hidden participant, so it cannot stand for the roster: plan needs --live.
	appliedChangesNothing(t, ns, manifest, lidGroup, mark, cli.ExitError)
}

// TestImportUsesTheUsersRights: the plugin reads the provider's Secret as the user, so a user
// who may read the provider but not its Secret cannot import.
func TestImportUsesTheUsersRights(t *testing.T) {
	ctx := context.Background()
	ns := providerFor(t, typeCases()[0])
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "providers"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{whatsappv1.GroupVersion.Group}, Resources: []string{"whatsappproviders"}, Verbs: []string{"get"}},
	}}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "providers"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "providers"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "reader-" + ns}}}
	for _, o := range []client.Object{role, binding} {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	kc, err := kubeconfig("reader-" + ns)
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := plugin(kc, "", "-n", ns, "import", "--provider", "p", typeCases()[0].Group.ID)
	if code != cli.ExitError || !strings.Contains(errOut, "forbidden") || !strings.Contains(errOut, "secrets") {
		t.Errorf("exit %d, stderr %q: want a forbidden error reading the Secret", code, errOut)
	}
}

// importGroup runs import and checks the manifest's roster, policy and comments.
func importGroup(t *testing.T, ns, groupID string, members, admins []string, comments ...string) string {
	t.Helper()
	code, out, errOut := plugin(adminKubeconfig, "", "-n", ns, "import", "--provider", "p", groupID)
	if code != cli.ExitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	var g whatsappv1.WhatsAppGroup
	if err := yaml.UnmarshalStrict([]byte(out), &g); err != nil {
		t.Fatalf("manifest: %v\n%s", err, out)
	}
	slices.Sort(members)
	slices.Sort(admins)
	if !slices.Equal(g.Spec.Members, members) || !slices.Equal(g.Spec.Admins, admins) || g.Spec.MembershipPolicy != whatsappv1.MembershipAddOnly || g.Namespace != ns || g.Spec.GroupID != groupID {
		t.Errorf("manifest:\n%s\nwant members %v, admins %v, AddOnly, in %s", out, members, admins, ns)
	}
	for _, c := range comments {
		if !strings.Contains(out, c) {
			t.Errorf("manifest lacks %q:\n%s", c, out)
		}
	}
	return out
}

// appliedChangesNothing applies the manifest, waits for the operator to find the group in sync,
// checks that nobody (the plugin included) wrote to the group since mark, and that plan agrees:
// from the live group, and from status with exit code fromStatus.
func appliedChangesNothing(t *testing.T, ns, manifest, groupID string, mark time.Time, fromStatus int) {
	t.Helper()
	code, _, errOut := plugin(adminKubeconfig, "", "-n", ns, "plan", "--live", "-f", writeFile(t, manifest))
	if code != cli.ExitOK {
		t.Errorf("plan --live before apply: exit %d: %s", code, errOut)
	}
	var g whatsappv1.WhatsAppGroup
	if err := yaml.Unmarshal([]byte(manifest), &g); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(context.Background(), &g); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		var got whatsappv1.WhatsAppGroup
		if err := k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: g.Name}, &got); err != nil {
			return err
		}
		ready := apimeta.FindStatusCondition(got.Status.Conditions, whatsappv1.ConditionReady)
		if got.Status.ObservedGeneration != got.Generation || ready == nil || ready.Reason != whatsappv1.ReasonInSync {
			return fmt.Errorf("ready %+v at generation %d of %d", ready, got.Status.ObservedGeneration, got.Generation)
		}
		return nil
	})
	for _, c := range world.Calls() {
		if c.Group == groupID && !c.Time.Before(mark) && slices.Contains([]string{sim.OpAdd, sim.OpPromote, sim.OpDemote, sim.OpRemove}, c.Op) {
			t.Errorf("a write after the import: %+v", c)
		}
	}
	if code, _, errOut = plugin(adminKubeconfig, manifest, "-n", ns, "plan", "-f", "-"); code != fromStatus {
		t.Errorf("plan from status: exit %d, want %d: %s", code, fromStatus, errOut)
	}
	if code, out, _ := plugin(adminKubeconfig, "", "-n", ns, "status", g.Name); code != cli.ExitOK || !strings.Contains(out, "True InSync") {
		t.Errorf("status: exit %d:\n%s", code, out)
	}
}

func writeFile(t *testing.T, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "group.yaml")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
