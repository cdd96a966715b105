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
