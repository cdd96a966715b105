package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/roster"
)

func withMembers(m ...string) func(*whatsappv1.WhatsAppGroup) {
	return func(g *whatsappv1.WhatsAppGroup) { g.Spec.Members = m }
}

func withAdmins(a ...string) func(*whatsappv1.WhatsAppGroup) {
	return func(g *whatsappv1.WhatsAppGroup) { g.Spec.Admins = a }
}

func withSync(g *whatsappv1.WhatsAppGroup) { g.Spec.MembershipPolicy = whatsappv1.MembershipSync }

func withStatus(st whatsappv1.WhatsAppGroupStatus) func(*whatsappv1.WhatsAppGroup) {
	return func(g *whatsappv1.WhatsAppGroup) { g.Generation, g.Status = 1, st }
}

// inSync is the status of a group that the last sync found in sync with generation 1.
func inSync(present, admins int32) whatsappv1.WhatsAppGroupStatus {
	return whatsappv1.WhatsAppGroupStatus{
		ObservedGeneration: 1, PresentMembers: present, DeclaredMembers: present, Admins: admins,
		Conditions: []metav1.Condition{{Type: whatsappv1.ConditionReady, Status: metav1.ConditionTrue, Reason: whatsappv1.ReasonInSync, Message: "in sync", LastTransitionTime: metav1.NewTime(testNow)}},
	}
}

func TestPlan(t *testing.T) {
	later := metav1.NewTime(testNow.Add(time.Hour))
	plus := func(extra ...string) []string { return append([]string{creatorN, selfN, adminN, memberN}, extra...) }
	for _, c := range []struct {
		name     string
		live     roster.Group
		file     *whatsappv1.WhatsAppGroup
		cluster  *whatsappv1.WhatsAppGroup
		noLive   bool
		wantCode int
		want     []string
	}{
		{name: "in sync", live: liveGroup(), file: group("g"), wantCode: ExitOK,
			want: []string{"=> no changes", planRow("from", "the live group, read through WhatsAppProvider community/twochat")}},
		{name: "an add", live: liveGroup(), file: group("g", withMembers(plus(newMember)...)), wantCode: ExitChanges,
			want: []string{planRow("add", newMember), "=> 1 to add, 0 to promote, 0 to demote, 0 to remove"}},
		{name: "a promotion", live: liveGroup(), file: group("g", withAdmins(creatorN, selfN, adminN, memberN)), wantCode: ExitChanges,
			want: []string{planRow("promote", memberN)}},
		{name: "a demotion under Enforce", live: liveGroup(), file: group("g", withAdmins(creatorN, selfN)), wantCode: ExitChanges,
			want: []string{planRow("demote", adminN)}},
		{name: "the creator is protected", live: liveGroup(), file: group("g", withSync, withMembers(selfN, adminN, memberN), withAdmins(selfN, adminN)), wantCode: ExitOK,
			want: []string{planRow("protected", creatorN+": the group's creator"), "=> no changes"}},
		{name: "an unresolved participant is protected", live: liveGroup(roster.Participant{RawID: "1234567@lid"}), file: group("g", withSync), wantCode: ExitOK,
			want: []string{planRow("protected", "1234567@lid: known only by a hidden id")}},
		{name: "removals over maxRemovalPercent are blocked", live: liveGroup(), file: group("g", withSync, withMembers(creatorN, selfN), withAdmins(creatorN, selfN)), wantCode: ExitChanges,
			want: []string{planRow("remove", memberN), planRow("BLOCKED", "SafetyGuard: the plan removes or demotes 2 of 4 members")}},
		{name: "an impossible number", live: liveGroup(), file: group("g", withMembers(plus("+1212555010")...)), wantCode: ExitError,
			want: []string{planRow("INVALID", `members: "+1212555010": too short for its country`)}},
		{name: "a held add says why and what to do", live: liveGroup(), file: group("g", withMembers(plus(newMember)...)),
			cluster: group("g", withStatus(whatsappv1.WhatsAppGroupStatus{Failures: []whatsappv1.MemberFailure{{
				Member: newMember, Operation: "Add", Reason: "InviteRequired", Action: "send them the group's invite link", LastSeen: metav1.NewTime(testNow), RetryAfter: &later, Attempts: 1,
			}}})),
			wantCode: ExitChanges, want: []string{planRow("held", "add "+newMember+": InviteRequired, retried after 2026-03-01T13:00:00Z; send them the group's invite link"), "1 held"}},
		{name: "an add in flight is awaited", live: liveGroup(), file: group("g", withMembers(plus(newMember)...)),
			cluster:  group("g", withStatus(whatsappv1.WhatsAppGroupStatus{InFlight: []whatsappv1.SentChange{{Member: newMember, Operation: "Add", SentAt: metav1.NewTime(testNow)}}})),
			wantCode: ExitChanges, want: []string{planRow("awaiting", "add "+newMember+": sent"), "1 awaited"}},
		{name: "an empty read is unknown", live: roster.Group{ID: groupID}, file: group("g"), wantCode: ExitError, want: []string{"empty participant list"}},
		{name: "from status: not in the cluster", file: group("g"), noLive: true, wantCode: ExitError, want: []string{"not in the cluster", "run with --live"}},
		{name: "from status: an add to a group in sync", file: group("g", withMembers(plus(newMember)...)), cluster: group("g", withStatus(inSync(4, 3))), noLive: true,
			wantCode: ExitChanges, want: []string{planRow("from", "status: the group as last read in sync"), planRow("add", newMember)}},
		{name: "from status: others in the group", file: group("g"), cluster: group("g", withStatus(inSync(5, 3))), noLive: true,
			wantCode: ExitError, want: []string{"status counts 5 participants and 3 admins where the cluster's spec declares 4 and 3", "run with --live"}},
		{name: "from status: not in sync", file: group("g"), cluster: group("g", withStatus(whatsappv1.WhatsAppGroupStatus{ObservedGeneration: 1})), noLive: true,
			wantCode: ExitError, want: []string{"does not say the group was in sync", "run with --live"}},
		{name: "from status: a demotion needs the live group", file: group("g", withAdmins(creatorN, selfN)), cluster: group("g", withStatus(inSync(4, 3))), noLive: true,
			wantCode: ExitError, want: []string{"demotes or removes", "run with --live"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var objs []client.Object
			if c.cluster != nil {
				objs = append(objs, c.cluster)
			}
			f := newFixture(t, c.live, interceptor.Funcs{}, objs...)
			args := []string{"plan", "-f", manifestFile(t, c.file)}
			if !c.noLive {
				args = append(args, "--live")
			}
			if code := f.run(args...); code != c.wantCode {
				t.Errorf("exit %d, want %d", code, c.wantCode)
			}
			wantContains(t, "output", f.out.String()+f.errOut.String(), c.want...)
			if c.noLive && len(f.reader.calls) > 0 {
				t.Errorf("provider calls %v without --live", f.reader.calls)
			}
		})
	}
}

// planRow is one labelled line of a plan, without its newline.
func planRow(label, text string) string { return strings.TrimSuffix(row(label, text), "\n") }

// manifestFile writes the groups as one YAML file of several documents and returns its path.
func manifestFile(t *testing.T, groups ...*whatsappv1.WhatsAppGroup) string {
	t.Helper()
	var docs []string
	for _, g := range groups {
		obj, err := manifestObject(g)
		if err != nil {
			t.Fatal(err)
		}
		data, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	path := filepath.Join(t.TempDir(), "groups.yaml")
	if err := os.WriteFile(path, []byte(strings.Join(docs, "---\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPlanSeveralGroupsExitsWithTheWorst(t *testing.T) {
	f := newFixture(t, liveGroup(), interceptor.Funcs{})
	same, adds := group("same"), group("adds", withMembers(creatorN, selfN, adminN, memberN, newMember))
	if code := f.run("plan", "--live", "-f", manifestFile(t, same, adds)); code != ExitChanges {
		t.Errorf("exit %d, want %d", code, ExitChanges)
	}
	wantContains(t, "output", f.out.String(), "WhatsAppGroup community/same", "WhatsAppGroup community/adds", planRow("add", newMember))
}

func TestReadGroups(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.yaml": `apiVersion: v1
kind: Secret
metadata: {name: key}
---
apiVersion: whatsapp.wagov.dev/v1alpha1
kind: WhatsAppGroup
metadata: {name: one}
spec: {providerRef: {name: p}, groupID: G1}
`,
		"b.json":   `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"whatsapp.wagov.dev/v1alpha1","kind":"WhatsAppGroup","metadata":{"name":"two"},"spec":{"providerRef":{"name":"p"},"groupID":"G2"}}]}`,
		"notes.md": "not a manifest",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	groups, err := readGroups([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.Name+"="+g.Spec.GroupID)
	}
	if got := strings.Join(names, ","); got != "one=G1,two=G2" {
		t.Errorf("groups %s, want one=G1,two=G2", got)
	}
	if _, err := readGroups([]string{filepath.Join(dir, "a.yaml")}[:0], nil); err == nil {
		t.Error("no files: want an error")
	}
}
