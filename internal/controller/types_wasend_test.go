package controller_test

import (
	"testing"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
	wasendsim "github.com/wagov/wagov/internal/sim/wasend"
)

// TestTypeWasendConverges runs a group on a Wasend session twice: against a server that answers
// the paths of Wasend's website docs, and against one that answers only its SDK's paths, whose
// remove, promote and demote say nothing per member. The client learns which paths the server
// answers by itself; either way the group converges and the second sync only reads.
//
// wagov-sim serves each of Wasend's path sets under its own mount (see internal/sim/wasend),
// so spec.endpoint is the simulator's URL plus that mount.
func TestTypeWasendConverges(t *testing.T) {
	for _, c := range []struct {
		mount, name, digits string // digits: the test's numbers are +33612370<digits>xx
	}{
		{wasendsim.WebsiteMount, "website", "0"},
		{wasendsim.SDKMount, "sdk", "1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := func(suffix string) string { return "+33612370" + c.digits + suffix }
			group := "12036300000000237" + c.digits + "@g.us"
			convergesOn(t, typeCase{
				Type:         whatsappv1.ProviderWasend,
				EndpointPath: c.mount,
				Account: sim.Account{Name: "types-wasend-" + c.name, Type: "Wasend", APIKey: "types-wasend-" + c.name + "-key",
					Session: "types-wasend-" + c.name, Numbers: []string{n("00")}},
				SpecAccount: "types-wasend-" + c.name,
				Group: sim.SeedGroup{ID: group, Participants: []sim.SeedMember{
					{Phone: n("99"), Role: "superadmin"}, {Phone: n("00"), Role: "admin"},
					{Phone: n("01"), Role: "admin"}, {Phone: n("02")}, {Phone: n("04")}, {Phone: n("05")},
				}},
				GroupID: group,
				Members: []string{n("02"), n("03"), n("04"), n("05")},
				// Wasend does not say which participant is the session, so its number is declared.
				Admins: []string{n("00"), n("02")},
				Want: map[string]string{
					n("99"): "superadmin", n("00"): "admin", n("01"): "admin", // left alone: Wasend does not say which participant is the session
					n("02"): "admin", n("03"): "member", n("04"): "member", n("05"): "member",
				},
				ReadsPerSync: 1,
			})
		})
	}
}
