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
