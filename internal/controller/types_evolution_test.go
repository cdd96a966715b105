package controller_test

import (
	"testing"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// TestTypeEvolutionConverges declares a Brazilian and a Mexican mobile in their full form, which
// Evolution rewrites to the short form WhatsApp stores (+55 31 9… → +55 31 …, +52 1 … → +52 …),
// next to members already stored that way, and a Mexican member declared in the short (modern)
// form: the group converges, and the second sync reads every one back as declared and writes
// nothing.
func TestTypeEvolutionConverges(t *testing.T) {
	convergesOn(t, typeCase{
		Type: whatsappv1.ProviderEvolution,
		Account: sim.Account{Name: "types-evolution", Type: "Evolution", APIKey: "types-evolution-key",
			Session: "types-evolution-instance", Numbers: []string{"+33612400000"}},
		SpecAccount: "types-evolution-instance",
		Group: sim.SeedGroup{ID: "120363000000001401@g.us", Participants: []sim.SeedMember{
			{Phone: "+33612400099", Role: "superadmin"}, {Phone: "+33612400000", Role: "admin"},
			{Phone: "+33612400001", Role: "admin"}, {Phone: "+33612400002"},
			{Phone: "+553187650001"}, {Phone: "+525512340001", Role: "admin"}, {Phone: "+525598760001"},
		}},
		GroupID: "120363000000001401@g.us",
		Members: []string{"+33612400003", "+5531987654321", "+5215512345678", "+5531987650001", "+525598760001"},
		Admins:  []string{"+33612400000", "+33612400002", "+5215512340001", "+5531987654321"},
		Want: map[string]string{
			"+33612400099": "superadmin", "+33612400000": "admin", "+33612400001": "member",
			"+33612400002": "admin", "+33612400003": "member",
			"+553187654321": "admin", "+525512345678": "member", // stored rewritten
			"+553187650001": "member", "+525512340001": "admin", "+525598760001": "member",
		},
		ReadsPerSync: 1,
	})
}

// TestTypeEvolutionEnforceDemotesUnlistedAdmin: in a LID-addressed group under adminPolicy Enforce
// (the default), an admin not on the whitelist is demoted, which Evolution only does when the
// write names the admin's LID (evolution-api#1239), while the instance's own number, not on the
// whitelist either, keeps its admin rights: the client learns it from fetchInstances.
func TestTypeEvolutionEnforceDemotesUnlistedAdmin(t *testing.T) {
	const own, unlisted = "+33612401000", "+33612401001"
	demotesTheUnlistedAdmin(t, typeCase{
		Type: whatsappv1.ProviderEvolution,
		Account: sim.Account{Name: "types-evolution-enforce", Type: "Evolution", APIKey: "types-evolution-enforce-key",
			Session: "types-evolution-enforce", Numbers: []string{own}},
		SpecAccount: "types-evolution-enforce",
		Group: sim.SeedGroup{ID: "120363000000001402@g.us", Addressing: "lid", Participants: []sim.SeedMember{
			{Phone: "+33612401099", Role: "superadmin"}, {Phone: own, Role: "admin"}, {Phone: unlisted, Role: "admin"},
			{Phone: "+33612401002", Role: "admin"}, {Phone: "+33612401003"}, {Phone: "+33612401004"},
		}},
		GroupID: "120363000000001402@g.us",
		Members: []string{unlisted, "+33612401002", "+33612401003", "+33612401004"},
		Admins:  []string{"+33612401002"},
		Want: map[string]string{"+33612401099": "superadmin", own: "admin", unlisted: "member",
			"+33612401002": "admin", "+33612401003": "member", "+33612401004": "member"},
	}, []sim.Person{
		{Phone: own, LID: "207134500001000@lid"}, {Phone: unlisted, LID: "207134500001001@lid"},
		{Phone: "+33612401002", LID: "207134500001002@lid"}, {Phone: "+33612401003", LID: "207134500001003@lid"},
		{Phone: "+33612401004", LID: "207134500001004@lid"}, {Phone: "+33612401099", LID: "207134500001099@lid"},
	})
}

// demotesTheUnlistedAdmin adds the case's account, people and group to the simulator, declares
// the group with a whitelist that leaves out one admin and the account's own number, and checks
// that the sync ends Ready and InSync with the roster c.Want after exactly one write, the demote
// of that admin: the own number keeps its rights only because the client knows it (an unknown own
// number protects every admin). It counts writes, not demotes, as the simulator logs each of
// Evolution's updateParticipant calls as an add. QuickGateway's case uses it too.
func demotesTheUnlistedAdmin(t *testing.T, c typeCase, people []sim.Person) {
	t.Helper()
	if err := world.Add(sim.Seed{Accounts: []sim.Account{c.Account}, People: people, Groups: []sim.SeedGroup{c.Group}}); err != nil {
		t.Fatal(err)
	}
	ns := providerFor(t, c)
	convergesExactly(t, ns, "group", c.GroupID, c.Want, map[string]int{"": 1}, members(c.Members...), admins(c.Admins...))
}
