package controller_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

// TestTypeGOWAConverges runs a group on a GOWA device: the credential is the Basic auth pair
// and the account the device id, whose status read names its own number. GOWA reports every
// write as "success" whatever WhatsApp did, so the group converges on what the confirming reads
// show, and the second sync writes nothing.
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

// Under adminPolicy Enforce (the default) an admin missing from the whitelist is demoted, now
// that GOWA's status read names the device's own number: the own number, an admin left off the
// whitelist too, and the creator keep their rights, and the sync makes exactly one write.
func TestTypeGOWAEnforceDemotesUnlistedAdmin(t *testing.T) {
	const id, own, unlisted, listed = "120363000000002413@g.us", "+33612410200", "+33612410201", "+33612410202"
	ns := typeProvider(t, typeCase{
		Type: whatsappv1.ProviderGOWA,
		Account: sim.Account{Name: "types-gowa-enforce", Type: "GOWA", APIKey: "types-gowa-enforce:pass",
			Session: "types-gowa-enforce", Numbers: []string{own}},
		SpecAccount: "types-gowa-enforce",
		Group: sim.SeedGroup{ID: id, Participants: []sim.SeedMember{
			{Phone: "+33612410299", Role: "superadmin"}, {Phone: own, Role: "admin"},
			{Phone: unlisted, Role: "admin"}, {Phone: listed, Role: "admin"}, {Phone: "+33612410203"},
		}},
	})
	mark := time.Now()
	createGroup(t, ns, "enforce", id, members(unlisted, listed, "+33612410203"), admins(listed))
	g := waitGroupCondition(t, ns, "enforce", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	want := map[string]string{"+33612410299": "superadmin", own: "admin", unlisted: "member", listed: "admin", "+33612410203": "member"}
	if got := roster(t, id); !reflect.DeepEqual(got, want) {
		t.Errorf("roster %v, want %v", got, want)
	}
	if n := calls(id, mark); n[sim.OpDemote] != 1 || writes(n) != 1 {
		t.Errorf("calls %v, want exactly one write: the demote of %s", n, unlisted)
	}
	if msg := readyMessage(g); !strings.Contains(msg, "1 the provider's own account") || strings.Contains(msg, "does not say") {
		t.Errorf("Ready message %q, want the own number left alone as the provider's own account", msg)
	}
}

// GOWA answers "success" for an add that WhatsApp refused (here: the member left lately), so the
// operator learns it only from the next read: the add is recorded as NotTakingEffect in
// status.failures and held, not re-sent on every sync, and the group says so.
func TestGOWAHiddenRefusalIsHeldNotResent(t *testing.T) {
	const id, left = "120363000000002412@g.us", "+33612410150"
	ns := typeProvider(t, typeCase{
		Type: whatsappv1.ProviderGOWA,
		Account: sim.Account{Name: "types-gowa-held", Type: "GOWA", APIKey: "types-gowa-held:pass",
			Session: "types-gowa-held", Numbers: []string{"+33612410100"}},
		SpecAccount: "types-gowa-held",
		Group: sim.SeedGroup{ID: id, Participants: []sim.SeedMember{
			{Phone: "+33612410199", Role: "superadmin"}, {Phone: "+33612410100", Role: "admin"},
		}, RecentlyLeft: []string{left}},
	})
	mark := time.Now()
	createGroup(t, ns, "held", id, members("+33612410101", left))
	g := waitGroupCondition(t, ns, "held", metav1.ConditionFalse, whatsappv1.ReasonChangesNotTakingEffect)
	if !hasCondition(g, whatsappv1.ConditionStalled, whatsappv1.ReasonChangesNotTakingEffect) {
		t.Errorf("conditions %+v, want Stalled/ChangesNotTakingEffect", g.Status.Conditions)
	}
	if len(g.Status.Failures) != 1 || g.Status.Failures[0].Member != left || g.Status.Failures[0].Reason != string(provider.ResultNotTakingEffect) || g.Status.Failures[0].Action == "" {
		t.Fatalf("failures %+v, want %s NotTakingEffect with an action", g.Status.Failures, left)
	}
	wantRoles(t, id, map[string]string{"+33612410101": "member"})
	wantEvent(t, ns, "held", whatsappv1.EventMemberAdded) // GOWA gave no outcome; the read confirmed the add
	consistently(t, time.Second, func() error {
		if n := calls(id, mark); n[sim.OpAdd] != 1 {
			return fmt.Errorf("add calls %d, want 1: a refused add must not be re-sent every sync", n[sim.OpAdd])
		}
		return nil
	})
}
