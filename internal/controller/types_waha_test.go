package controller_test

import (
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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

// A WAHA session that drops (422: the session is not WORKING) and an empty participant list
// (WAHA's GOWS engine returns [] for some groups) are provider conditions, not member changes:
// the group waits, writes nothing while they last, and converges once the session is back.
func TestWAHASessionDroppedThenBack(t *testing.T) {
	const id = "120363000000002382@g.us"
	ns := typeProvider(t, typeCase{
		Type: whatsappv1.ProviderWAHA,
		Account: sim.Account{Name: "types-waha-drop", Type: "WAHA", APIKey: "types-waha-drop-key",
			Session: "types-waha-drop", Numbers: []string{"+33612380100"}},
		SpecAccount: "types-waha-drop",
		Group: sim.SeedGroup{ID: id, Participants: []sim.SeedMember{
			{Phone: "+33612380199", Role: "superadmin"}, {Phone: "+33612380100", Role: "admin"}, {Phone: "+33612380101"},
		}},
	})
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Provider: "WAHA", Group: id, Op: sim.OpRead, Status: http.StatusUnprocessableEntity, Times: 2,
		Body: `{"error":"Session status is not as expected. Try again later or restart the session","session":"types-waha-drop","status":"STARTING","expected":["WORKING"]}`})
	world.InjectFault(sim.Fault{Provider: "WAHA", Group: id, Op: sim.OpRead, Status: http.StatusOK, Body: `[]`, Times: 1})
	mark := time.Now()
	createGroup(t, ns, "dropped", id, members("+33612380102"), admins("+33612380100"))
	waitGroupCondition(t, ns, "dropped", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	wantRoles(t, id, map[string]string{"+33612380101": "member", "+33612380102": "member", "+33612380199": "superadmin"})
	n := calls(id, mark)
	if n[sim.OpAdd] != 1 || writes(n) != 1 {
		t.Errorf("calls %v, want exactly one add: nothing may be written while the session is down or the roster unknown", n)
	}
	wantEvent(t, ns, "dropped", whatsappv1.EventProviderError)
}
