package controller_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
	wasendsim "github.com/wagov/wagov/internal/sim/wasend"
)

// wasendServers are wagov-sim's two Wasend servers: one answers the paths of Wasend's website
// docs, the other only its SDK's, whose remove, promote and demote say nothing per member.
// wagov-sim serves each path set under its own mount (see internal/sim/wasend), so
// spec.endpoint is the simulator's URL plus that mount.
var wasendServers = []struct {
	mount, name string
}{
	{wasendsim.WebsiteMount, "website"},
	{wasendsim.SDKMount, "sdk"},
}

// wasendCase is a Wasend convergence case on one server: the session is named after the test
// and the server, and its own number is Numbers[0].
func wasendCase(test, server, mount, own string) typeCase {
	name := "types-wasend-" + test + server
	return typeCase{
		Type:         whatsappv1.ProviderWasend,
		EndpointPath: mount,
		Account:      sim.Account{Name: name, Type: "Wasend", APIKey: name + "-key", Session: name, Numbers: []string{own}},
		SpecAccount:  name,
	}
}

// TestTypeWasendConverges runs a group on a Wasend session against each server. The client
// learns which paths the server answers and the session's own number by itself; either way the
// group converges, the admin not on the whitelist is demoted, and the second sync only reads.
func TestTypeWasendConverges(t *testing.T) {
	for i, s := range wasendServers {
		t.Run(s.name, func(t *testing.T) {
			n := func(suffix string) string { return fmt.Sprintf("+33612370%d%s", i, suffix) }
			c := wasendCase("", s.name, s.mount, n("00"))
			c.Group = sim.SeedGroup{ID: fmt.Sprintf("12036300000000237%d@g.us", i), Participants: []sim.SeedMember{
				{Phone: n("99"), Role: "superadmin"}, {Phone: n("00"), Role: "admin"},
				{Phone: n("01"), Role: "admin"}, {Phone: n("02")}, {Phone: n("04")}, {Phone: n("05")},
			}}
			c.GroupID = c.Group.ID
			c.Members = []string{n("02"), n("03"), n("04"), n("05")}
			c.Admins = []string{n("00"), n("02")}
			c.Want = map[string]string{
				n("99"): "superadmin", n("00"): "admin", n("01"): "member",
				n("02"): "admin", n("03"): "member", n("04"): "member", n("05"): "member",
			}
			c.ReadsPerSync = 1
			convergesOn(t, c)
		})
	}
}

// TestTypeWasendEnforceDemotesUnlistedAdmin: under adminPolicy Enforce (the default), a group
// whose admins include one not on the whitelist is brought to the whitelist with one demote.
// The session's own number is an admin the spec does not list either: Wasend's session read
// names it, so the plan keeps it (and the creator) and demotes only the other admin.
func TestTypeWasendEnforceDemotesUnlistedAdmin(t *testing.T) {
	for i, s := range wasendServers {
		t.Run(s.name, func(t *testing.T) {
			n := func(suffix string) string { return fmt.Sprintf("+33612370%d%s", i+2, suffix) }
			own, unlisted, listed := n("00"), n("01"), n("02")
			c := wasendCase("enforce-", s.name, s.mount, own)
			c.Group = sim.SeedGroup{ID: fmt.Sprintf("12036300000000237%d@g.us", i+2), Participants: []sim.SeedMember{
				{Phone: n("99"), Role: "superadmin"}, {Phone: own, Role: "admin"}, {Phone: unlisted, Role: "admin"},
				{Phone: listed, Role: "admin"}, {Phone: n("03")}, {Phone: n("04")},
			}}
			ns := typeProvider(t, c)
			assertActsAs(t, ns, own)

			mark := time.Now()
			createGroup(t, ns, "enforced", c.Group.ID, members(unlisted, listed, n("03"), n("04")), admins(listed))
			waitGroupCondition(t, ns, "enforced", metav1.ConditionTrue, whatsappv1.ReasonInSync)
			want := map[string]string{
				n("99"): "superadmin", own: "admin", unlisted: "member", listed: "admin", n("03"): "member", n("04"): "member",
			}
			if got := roster(t, c.Group.ID); len(got) != len(want) {
				t.Errorf("roster %v, want %v", got, want)
			}
			wantRoles(t, c.Group.ID, want)
			if got := calls(c.Group.ID, mark); got[sim.OpDemote] != 1 || writes(got) != 1 {
				t.Errorf("calls %v, want one demote and no other write", got)
			}
		})
	}
}

// assertActsAs checks that the provider's Ready message names the number it acts as.
func assertActsAs(t *testing.T, ns, own string) {
	t.Helper()
	var p whatsappv1.WhatsAppProvider
	if err := k8s.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: providerRef}, &p); err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Status.Conditions {
		if c.Type == whatsappv1.ConditionReady && !strings.Contains(c.Message, "acts as "+own) {
			t.Errorf("provider Ready message %q does not say it acts as %s", c.Message, own)
		}
	}
}
