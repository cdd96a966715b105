package controller_test

import (
	"testing"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

func TestTypeQuickGatewayConverges(t *testing.T) {
	convergesOn(t, typeCase{
		Type: whatsappv1.ProviderQuickGateway,
		Account: sim.Account{Name: "types-quickgateway", Type: "QuickGateway", APIKey: "types-quickgateway-key",
			Session: "01JQ0000000000000000000T01", Numbers: []string{"+33612420000"}},
		SpecAccount: "01JQ0000000000000000000T01",
		Group: sim.SeedGroup{ID: "120363000000001601@g.us", Participants: []sim.SeedMember{
			{Phone: "+33612420099", Role: "superadmin"}, {Phone: "+33612420000", Role: "admin"}, {Phone: "+33612420001", Role: "admin"},
			{Phone: "+33612420004"}, {Phone: "+33612420005"},
		}},
		GroupID: "120363000000001601@g.us",
		Members: []string{"+33612420002", "+33612420003"},
		Admins:  []string{"+33612420000", "+33612420002"},
		Want: map[string]string{"+33612420001": "member", "+33612420002": "admin", "+33612420003": "member",
			"+33612420000": "admin", "+33612420099": "superadmin"},
		ReadsPerSync: 1,
	})
}

// TestTypeQuickGatewayEnforceDemotesUnlistedAdmin: under adminPolicy Enforce (the default), an admin
// not on the whitelist is demoted, by the LID the member list gives, while the session's own
// number, not on the whitelist either, keeps its admin rights: the client learns it from
// GET /sessions/{session}.
func TestTypeQuickGatewayEnforceDemotesUnlistedAdmin(t *testing.T) {
	const own, unlisted = "+33612421000", "+33612421001"
	demotesTheUnlistedAdmin(t, typeCase{
		Type: whatsappv1.ProviderQuickGateway,
		Account: sim.Account{Name: "types-quickgateway-enforce", Type: "QuickGateway", APIKey: "types-quickgateway-enforce-key",
			Session: "01JQ0000000000000000000T02", Numbers: []string{own}},
		SpecAccount: "01JQ0000000000000000000T02",
		Group: sim.SeedGroup{ID: "120363000000001602@g.us", Participants: []sim.SeedMember{
			{Phone: "+33612421099", Role: "superadmin"}, {Phone: own, Role: "admin"}, {Phone: unlisted, Role: "admin"},
			{Phone: "+33612421002", Role: "admin"}, {Phone: "+33612421003"}, {Phone: "+33612421004"},
		}},
		GroupID: "120363000000001602@g.us",
		Members: []string{unlisted, "+33612421002", "+33612421003", "+33612421004"},
		Admins:  []string{"+33612421002"},
		Want: map[string]string{"+33612421099": "superadmin", own: "admin", unlisted: "member",
			"+33612421002": "admin", "+33612421003": "member", "+33612421004": "member"},
	}, nil)
}
