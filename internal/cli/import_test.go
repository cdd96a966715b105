package cli

import (
	"encoding/json"
	"reflect"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/roster"
)

func TestImport(t *testing.T) {
	lid := roster.Participant{RawID: "207134500000021@lid", Role: roster.RoleAdmin}
	noSelf := liveGroup()
	noSelf.Self = ""
	notAdmin := liveGroup()
	notAdmin.Participants[1].Role = roster.RoleMember
	for _, c := range []struct {
		name         string
		live         roster.Group
		args         []string
		wantCode     int
		wantName     string
		wantMembers  []string
		wantAdmins   []string
		wantComments []string
		wantErr      string
	}{
		{
			name: "creator, own account and admins as they are", live: liveGroup(),
			wantName:    "field-agents-nyc",
			wantMembers: []string{creatorN, selfN, adminN, memberN}, wantAdmins: []string{creatorN, selfN, adminN},
			wantComments: []string{"# Creator: " + creatorN + " (superadmin", "# Provider account: " + selfN + " (admin",
				"membershipPolicy AddOnly", `# Subject: "Field Agents (NYC)"`, "WhatsAppProvider community/twochat (TwoChat)"},
		},
		{
			name: "an unresolved LID is listed, not declared", live: liveGroup(lid), args: []string{"--name", "agents"},
			wantName:    "agents",
			wantMembers: []string{creatorN, selfN, adminN, memberN}, wantAdmins: []string{creatorN, selfN, adminN},
			wantComments: []string{"# Not declared: 1 participants", "#   - 207134500000021@lid (admin)"},
		},
		{
			name: "a provider that does not say which participant it is", live: noSelf,
			wantName:    "field-agents-nyc",
			wantMembers: []string{creatorN, selfN, adminN, memberN}, wantAdmins: []string{creatorN, selfN, adminN},
			wantComments: []string{`# Provider account: "` + selfN + `"; the provider does not say which participant it is`},
		},
		{
			name: "an account that is not an admin", live: notAdmin,
			wantName:    "field-agents-nyc",
			wantMembers: []string{creatorN, selfN, adminN, memberN}, wantAdmins: []string{creatorN, adminN},
			wantComments: []string{"NOT an admin"},
		},
		{name: "an empty roster is unknown", live: roster.Group{ID: groupID}, wantCode: ExitError, wantErr: "nothing to import"},
		{name: "a bad name", live: liveGroup(), args: []string{"--name", "Not_A_Name"}, wantCode: ExitError, wantErr: "--name"},
		{name: "a bad output", live: liveGroup(), args: []string{"-o", "table"}, wantCode: ExitError, wantErr: "want yaml or json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.live, interceptor.Funcs{})
			code := f.run(append([]string{"import", "--provider", "twochat", groupID}, c.args...)...)
			if code != c.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.wantCode, f.errOut)
			}
			if c.wantCode != ExitOK {
				wantContains(t, "stderr", f.errOut.String(), c.wantErr)
				return
			}
			if want := []string{"check", "read " + groupID}; !reflect.DeepEqual(f.reader.calls, want) {
				t.Errorf("provider calls %v, want %v", f.reader.calls, want)
			}
			wantContains(t, "manifest", f.out.String(), c.wantComments...)
			var g whatsappv1.WhatsAppGroup
			if err := yaml.UnmarshalStrict(f.out.Bytes(), &g); err != nil {
				t.Fatalf("manifest: %v\n%s", err, f.out)
			}
			wantImported(t, &g, c.wantName, c.wantMembers, c.wantAdmins)
		})
	}
}

func wantImported(t *testing.T, g *whatsappv1.WhatsAppGroup, name string, members, admins []string) {
	t.Helper()
	if g.Kind != groupKind || g.APIVersion != whatsappv1.GroupVersion.String() || g.Name != name || g.Namespace != testNS {
		t.Errorf("object %s %s %s/%s, want %s %s/%s", g.APIVersion, g.Kind, g.Namespace, g.Name, groupKind, testNS, name)
	}
	if g.Spec.MembershipPolicy != whatsappv1.MembershipAddOnly || g.Spec.GroupID != groupID || g.Spec.ProviderRef.Name != "twochat" {
		t.Errorf("spec %+v", g.Spec)
	}
	if !reflect.DeepEqual(g.Spec.Members, members) || !reflect.DeepEqual(g.Spec.Admins, admins) {
		t.Errorf("members %v admins %v, want %v and %v", g.Spec.Members, g.Spec.Admins, members, admins)
	}
}

func TestImportJSONPutsNotesOnStderr(t *testing.T) {
	f := newFixture(t, liveGroup(), interceptor.Funcs{})
	if code := f.run("import", "--provider", "twochat", groupID, "-o", "json"); code != ExitOK {
		t.Fatalf("exit %d: %s", code, f.errOut)
	}
	var g whatsappv1.WhatsAppGroup
	if err := json.Unmarshal(f.out.Bytes(), &g); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, f.out)
	}
	wantImported(t, &g, "field-agents-nyc", []string{creatorN, selfN, adminN, memberN}, []string{creatorN, selfN, adminN})
	wantContains(t, "stderr", f.errOut.String(), "Creator: "+creatorN)
}

func TestNameFor(t *testing.T) {
	for _, c := range []struct{ subject, id, want string }{
		{"Field Agents (NYC)", groupID, "field-agents-nyc"},
		{"  --Board--  ", groupID, "board"},
		{"🎉", "120363000000001001@g.us", "group-120363000000001001-g-us"},
		{"", "WAG45b0f301-9203-4660-8b57-b51a6c2742a5-0000000000000000000000000000", "group-wag45b0f301-9203-4660-8b57-b51a6c2742a5-00000000000000000"}, // 63 characters,
	} {
		if got := nameFor(c.subject, c.id); got != c.want {
			t.Errorf("nameFor(%q, %q) = %q, want %q", c.subject, c.id, got, c.want)
		}
	}
}
