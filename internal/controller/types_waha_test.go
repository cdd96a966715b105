package controller_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// TestTypeWAHAConverges runs a group on a self-hosted WAHA session (the NOWEB engine): the
// credential is the X-Api-Key, the account the session name, the group a JID. The session read
// that names the account's own number is made once per client, at the provider's check, so a
// sync costs the one participants read.
func TestTypeWAHAConverges(t *testing.T) {
	convergesOn(t, typeCase{
		Type: whatsappv1.ProviderWAHA,
		Account: sim.Account{Name: "types-waha", Type: "WAHA", APIKey: "types-waha-key",
			Session: "types-waha", Numbers: []string{"+33612380000"}},
		SpecAccount: "types-waha",
		Group: sim.SeedGroup{ID: "120363000000002381@g.us", Participants: []sim.SeedMember{
			{Phone: "+33612380099", Role: "superadmin"}, {Phone: "+33612380000", Role: "admin"},
			{Phone: "+33612380001", Role: "admin"}, {Phone: "+33612380002"},
			{Phone: "+33612380004"}, {Phone: "+33612380005"},
		}},
		GroupID: "120363000000002381@g.us",
		Members: []string{"+33612380002", "+33612380003", "+33612380004", "+33612380005"},
		Admins:  []string{"+33612380000", "+33612380002"},
		Want: map[string]string{
			"+33612380099": "superadmin", "+33612380000": "admin", "+33612380001": "member",
			"+33612380002": "admin", "+33612380003": "member", "+33612380004": "member", "+33612380005": "member",
		},
		ReadsPerSync: 1,
	})
}

// A WAHA session that drops (422: the session is not WORKING) and an empty participant list
// (WAHA's GOWS engine returns [] for some groups) are provider conditions, not member changes:
// the group waits, writes nothing while they last, and converges once the session is back.
func TestWAHASessionDroppedThenBack(t *testing.T) {
	const id = "120363000000002382@g.us"
	ns := typeProvider(t, typeCase{
		Type: whatsappv1.ProviderWAHA,
		Account: sim.Account{Name: "types-waha-drop", Type: "WAHA", APIKey: "types-waha-drop-key",
			Session: "types-waha-drop", Numbers: []string{"+33612380100"}},
		SpecAccount: "types-waha-drop",
		Group: sim.SeedGroup{ID: id, Participants: []sim.SeedMember{
			{Phone: "+33612380199", Role: "superadmin"}, {Phone: "+33612380100", Role: "admin"}, {Phone: "+33612380101"},
		}},
	})
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Provider: "WAHA", Group: id, Op: sim.OpRead, Status: http.StatusUnprocessableEntity, Times: 2,
		Body: `{"error":"Session status is not as expected. Try again later or restart the session","session":"types-waha-drop","status":"STARTING","expected":["WORKING"]}`})
	world.InjectFault(sim.Fault{Provider: "WAHA", Group: id, Op: sim.OpRead, Status: http.StatusOK, Body: `[]`, Times: 1})
	mark := time.Now()
	createGroup(t, ns, "dropped", id, members("+33612380102"), admins("+33612380100"))
	waitGroupCondition(t, ns, "dropped", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	wantRoles(t, id, map[string]string{"+33612380101": "member", "+33612380102": "member", "+33612380199": "superadmin"})
	n := calls(id, mark)
	if n[sim.OpAdd] != 1 || writes(n) != 1 {
		t.Errorf("calls %v, want exactly one add: nothing may be written while the session is down or the roster unknown", n)
	}
	wantEvent(t, ns, "dropped", whatsappv1.EventProviderError)
}

// TestTypeWAHAEnforceDemotesUnlistedAdmin: under adminPolicy Enforce (the default) the sync
// demotes the admin the whitelist does not name, and never the session's own number, which the
// client learns from the session read.
func TestTypeWAHAEnforceDemotesUnlistedAdmin(t *testing.T) {
	enforcesAdmins(t, enforceCase{
		Type: whatsappv1.ProviderWAHA,
		Account: sim.Account{Name: "types-waha-enforce", Type: "WAHA", APIKey: "types-waha-enforce-key",
			Session: "types-waha-enforce", Numbers: []string{"+33612384000"}},
		SpecAccount: "types-waha-enforce",
		Prefix:      "+336123840",
		Groups:      [2]string{"120363000000002384@g.us", "120363000000002385@g.us"},
	})
}

// enforceCase is an account of a WAHA-based type (WAHA, Wawp) with two groups of the same five
// numbers, Prefix followed by 00 (the account's own, Account.Numbers[0], an admin), 01 (a listed admin), 02 (an
// admin the spec lists only as a member), 03 (a member) and 99 (the creator): Groups[0] is
// phone-addressed and its spec does not name the own number at all; Groups[1] is
// LID-addressed, where WhatsApp drops a demote that names the member by phone, and its spec
// lists the own number as an admin.
type enforceCase struct {
	Type        whatsappv1.ProviderType
	Account     sim.Account
	SpecAccount string
	Prefix      string
	Groups      [2]string
}

// enforcesAdmins runs an enforceCase: each group ends InSync with 02 demoted by one demote
// call, and everyone else, the own number first, as they were.
func enforcesAdmins(t *testing.T, c enforceCase) {
	t.Helper()
	n := func(suffix string) string { return c.Prefix + suffix }
	var people []sim.Person
	var participants []sim.SeedMember
	for _, p := range []struct{ suffix, role string }{{"99", "superadmin"}, {"00", "admin"}, {"01", "admin"}, {"02", "admin"}, {"03", ""}} {
		people = append(people, sim.Person{Phone: n(p.suffix), LID: "7" + strings.TrimPrefix(n(p.suffix), "+") + "@lid"})
		participants = append(participants, sim.SeedMember{Phone: n(p.suffix), Role: p.role})
	}
	if err := world.Add(sim.Seed{Accounts: []sim.Account{c.Account}, People: people, Groups: []sim.SeedGroup{
		{ID: c.Groups[0], Participants: participants},
		{ID: c.Groups[1], Participants: participants, Addressing: "lid"},
	}}); err != nil {
		t.Fatal(err)
	}
	ns := providerFor(t, typeCase{Type: c.Type, Account: c.Account, SpecAccount: c.SpecAccount})
	tests := []struct {
		name, object, group string
		admins              []string
	}{
		{"phone-addressed, own number not in the spec", "by-phone", c.Groups[0], []string{n("01")}},
		{"LID-addressed, own number listed", "by-lid", c.Groups[1], []string{n("00"), n("01")}},
	}
	want := map[string]string{n("99"): "superadmin", n("00"): "admin", n("01"): "admin", n("02"): "member", n("03"): "member"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			convergesExactly(t, ns, tt.object, tt.group, want, map[string]int{sim.OpDemote: 1, "": 1}, members(n("02"), n("03")), admins(tt.admins...))
		})
	}
}
