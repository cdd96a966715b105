package controller_test

import (
	"testing"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// TestTypeGOWAConverges runs a group on a GOWA device: the credential is the Basic auth pair
// and the account the device id. GOWA reports every write as "success" whatever WhatsApp did,
// so the group converges on what the confirming reads show, and the second sync writes nothing.
func TestTypeGOWAConverges(t *testing.T) {
	convergesOn(t, typeCase{
		Type: whatsappv1.ProviderGOWA,
		Account: sim.Account{Name: "types-gowa", Type: "GOWA", APIKey: "types-gowa-user:types-gowa-pass",
			Session: "types-gowa-device", Numbers: []string{"+33612410000"}},
		SpecAccount: "types-gowa-device",
		Group: sim.SeedGroup{ID: "120363000000002411@g.us", Participants: []sim.SeedMember{
			{Phone: "+33612410099", Role: "superadmin"}, {Phone: "+33612410000", Role: "admin"},
			{Phone: "+33612410001", Role: "admin"}, {Phone: "+33612410002"},
			{Phone: "+33612410004"}, {Phone: "+33612410005"},
		}},
		GroupID: "120363000000002411@g.us",
		Members: []string{"+33612410002", "+33612410003", "+33612410004", "+33612410005"},
		Admins:  []string{"+33612410000", "+33612410002"},
		Want: map[string]string{
			"+33612410099": "superadmin", "+33612410000": "admin", "+33612410001": "member",
			"+33612410002": "admin", "+33612410003": "member", "+33612410004": "member", "+33612410005": "member",
		},
		ReadsPerSync: 1,
	})
}
