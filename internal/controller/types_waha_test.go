package controller_test

import (
	"testing"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// TestTypeWAHAConverges runs a group on a self-hosted WAHA session (the NOWEB engine): the
// credential is the X-Api-Key, the account the session name, the group a JID. A read is the
// participants call plus the session read that names the account's own number, which the log
// files as an account call, so one sync still costs one group read.
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
