package controller_test

import (
	"testing"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// TestTypeWawpConverges runs a group on a Wawp instance (hosted WAHA, WEBJS): the credential is
// the access token and the account the instance_id, both sent in the query string. Remove,
// promote and demote answer only {"ok": true}, so those outcomes are Unknown and the group
// converges on what the confirming read shows; the second sync writes nothing.
func TestTypeWawpConverges(t *testing.T) {
	convergesOn(t, typeCase{
		Type: whatsappv1.ProviderWawp,
		Account: sim.Account{Name: "types-wawp", Type: "Wawp", APIKey: "types-wawp-token",
			Session: "TYPESWAWP001", Numbers: []string{"+33612390000"}},
		SpecAccount: "TYPESWAWP001",
		Group: sim.SeedGroup{ID: "120363000000002391@g.us", Participants: []sim.SeedMember{
			{Phone: "+33612390099", Role: "superadmin"}, {Phone: "+33612390000", Role: "admin"},
			{Phone: "+33612390001", Role: "admin"}, {Phone: "+33612390002"},
			{Phone: "+33612390004"}, {Phone: "+33612390005"},
		}},
		GroupID: "120363000000002391@g.us",
		Members: []string{"+33612390002", "+33612390003", "+33612390004", "+33612390005"},
		Admins:  []string{"+33612390000", "+33612390002"},
		Want: map[string]string{
			"+33612390099": "superadmin", "+33612390000": "admin", "+33612390001": "member",
			"+33612390002": "admin", "+33612390003": "member", "+33612390004": "member", "+33612390005": "member",
		},
		ReadsPerSync: 1,
	})
}

// TestTypeWawpEnforceDemotesUnlistedAdmin: under adminPolicy Enforce (the default) the sync
// demotes the admin the whitelist does not name, and never the instance's own number, which the
// client learns from GET /v2/session/me. In the LID-addressed group Wawp's WEBJS engine lists
// LIDs only, and the demote must name the LID.
func TestTypeWawpEnforceDemotesUnlistedAdmin(t *testing.T) {
	enforcesAdmins(t, enforceCase{
		Type: whatsappv1.ProviderWawp,
		Account: sim.Account{Name: "types-wawp-enforce", Type: "Wawp", APIKey: "types-wawp-enforce-token",
			Session: "TYPESWAWP002", Numbers: []string{"+33612394000"}},
		SpecAccount: "TYPESWAWP002",
		Prefix:      "+336123940",
		Groups:      [2]string{"120363000000002394@g.us", "120363000000002395@g.us"},
	})
}
