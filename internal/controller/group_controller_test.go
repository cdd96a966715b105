package controller_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// A new group converges: adds in batches of 10, promotions, a demotion, and never a removal
// under AddOnly. Then steady state costs exactly one read per sync and no writes.
func TestNewGroupConvergesAndSteadyStateIsOneRead(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	const id = "WAG-converge"
	newcomers := numbers("+4477009100", 12) // 12 adds: 2 calls of at most 10
	start := time.Now()
	createGroup(t, ns, "converge", id,
		members(append(newcomers, "+447700176576")...),
		admins(ownNumber, newcomers[0], "+447700176576"), // +1713… is an admin not on the whitelist
	)
	g := waitGroupCondition(t, ns, "converge", metav1.ConditionTrue, whatsappv1.ReasonInSync)

	want := map[string]string{creator: "superadmin", ownNumber: "admin", "+17137157533": "member", "+447700176576": "admin", newcomers[0]: "admin"}
	for _, n := range newcomers[1:] {
		want[n] = "member"
	}
	wantRoles(t, id, want)
	if got := len(roster(t, id)); got != 16 {
		t.Errorf("roster has %d participants, want 16 (4 before, 12 added, nobody removed under AddOnly)", got)
	}
	n := calls(id, start)
	wantWrites := map[string]int{sim.OpAdd: 2, sim.OpPromote: 1, sim.OpDemote: 1, sim.OpRemove: 0}
	for op, count := range wantWrites {
		if n[op] != count {
			t.Errorf("%s calls = %d, want %d (ceil(k/10) per kind); all calls %v", op, n[op], count, n)
		}
	}
	if g.Status.PresentMembers != 16 || g.Status.Admins != 4 || g.Status.DeclaredMembers != 14 {
		t.Errorf("status counts present=%d admins=%d declared=%d, want 16, 4, 14", g.Status.PresentMembers, g.Status.Admins, g.Status.DeclaredMembers)
	}
	if g.Status.LastSuccessfulSyncTime == nil || hasCondition(g, whatsappv1.ConditionReconciling, whatsappv1.ReasonApplying) {
		t.Errorf("converged group: lastSuccessfulSyncTime %v, conditions %+v", g.Status.LastSuccessfulSyncTime, g.Status.Conditions)
	}

	// Steady state: every spec change that changes no membership costs one read and no write.
	mark := time.Now()
	const syncs = 3
	for i := range syncs {
		updateGroup(t, ns, "converge", func(g *whatsappv1.WhatsAppGroup) {
			g.Spec.Safety.MaxRemovalPercent = ptr.To(int32(30 + i))
		})
		waitGroupCondition(t, ns, "converge", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	}
	eventually(t, 5*time.Second, func() error {
		if got := calls(id, mark); got[sim.OpRead] != syncs || writes(got) != 0 {
			return fmt.Errorf("after %d steady syncs: calls %v, want %d reads and no writes", syncs, got, syncs)
		}
		return nil
	})
}

// AddOnly never removes; Sync removes undeclared members but never the creator or the
// provider's own number; PromoteOnly never demotes.
func TestMembershipAndAdminPolicies(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	const id = "WAG-policies"
	declared := []string{"+33612345002", "+33612345003"} // +…001 (admin) and +…004 are undeclared
	createGroup(t, ns, "policies", id, members(declared...), promoteOnly, maxRemoval(100))
	waitGroupCondition(t, ns, "policies", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	wantRoles(t, id, map[string]string{"+33612345001": "admin", "+33612345004": "member"})

	mark := time.Now()
	updateGroup(t, ns, "policies", func(g *whatsappv1.WhatsAppGroup) { syncPolicy(g) })
	waitGroupCondition(t, ns, "policies", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	got := roster(t, id)
	for _, gone := range []string{"+33612345001", "+33612345004"} {
		if _, ok := got[gone]; ok {
			t.Errorf("%s still in the group under Sync: %v", gone, got)
		}
	}
	wantRoles(t, id, map[string]string{creator: "superadmin", ownNumber: "admin", "+33612345002": "member", "+33612345003": "member"})
	if n := calls(id, mark); n[sim.OpRemove] != 1 || n[sim.OpDemote] != 0 {
		t.Errorf("calls %v, want one remove call and no demote (PromoteOnly)", n)
	}
}

// The creator and the provider's own number are never demoted, even under Enforce with an
// empty whitelist; the sync says so instead of failing.
func TestCreatorAndOwnNumberAreNeverTouched(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	const id = "WAG-dryrun"
	mark := time.Now()
	createGroup(t, ns, "untouched", id, members("+33612347001"), syncPolicy, maxRemoval(100), minAdmins(0))
	g := waitGroupCondition(t, ns, "untouched", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	wantRoles(t, id, map[string]string{creator: "superadmin", ownNumber: "admin", "+33612347001": "member"})
	if n := calls(id, mark); n[sim.OpRemove] != 0 || n[sim.OpDemote] != 1 {
		t.Errorf("calls %v, want exactly one demote (+33612347001) and no removal", n)
	}
	if msg := readyMessage(g); !strings.Contains(msg, "left alone") {
		t.Errorf("Ready message %q does not say that participants were left alone", msg)
	}
}

// maxRemovalPercent and minAdmins block the sync with Stalled, show the plan in status.pending,
// and write nothing.
func TestSafetyGuardsBlock(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	const id = "WAG-guards"
	mark := time.Now()
	// Removing 3 of 6 members is 50%, over the default 25%.
	createGroup(t, ns, "guards", id, members("+33612346001"), admins(ownNumber, "+33612346001"), syncPolicy)
	g := waitGroupCondition(t, ns, "guards", metav1.ConditionFalse, whatsappv1.ReasonSafetyGuard)
	if !hasCondition(g, whatsappv1.ConditionStalled, whatsappv1.ReasonSafetyGuard) {
		t.Errorf("conditions %+v, want Stalled/SafetyGuard", g.Status.Conditions)
	}
	if g.Status.Pending == nil || !slices.Equal(g.Status.Pending.Remove, []string{"+33612346002", "+33612346003", "+33612346004"}) {
		t.Errorf("pending = %+v, want the three blocked removals", g.Status.Pending)
	}
	if n := calls(id, mark); writes(n) != 0 || n[sim.OpRead] == 0 {
		t.Errorf("blocked sync calls %v, want reads only", n)
	}

	// minAdmins: demoting +…001 would leave 2 admins (creator, own number), under 3.
	updateGroup(t, ns, "guards", func(g *whatsappv1.WhatsAppGroup) {
		g.Spec.MembershipPolicy = whatsappv1.MembershipAddOnly
		g.Spec.Admins = []string{ownNumber}
		g.Spec.Safety.MinAdmins = ptr.To(int32(3))
	})
	g = waitGroupCondition(t, ns, "guards", metav1.ConditionFalse, whatsappv1.ReasonSafetyGuard)
	if msg := readyMessage(g); !strings.Contains(msg, "minAdmins") {
		t.Errorf("Ready message %q does not name minAdmins", msg)
	}
	if n := calls(id, mark); writes(n) != 0 {
		t.Errorf("blocked syncs wrote: %v", n)
	}
	wantRoles(t, id, map[string]string{"+33612346001": "admin", "+33612346004": "member"})

	// Lifting the guard lets the same plan through.
	updateGroup(t, ns, "guards", func(g *whatsappv1.WhatsAppGroup) { g.Spec.Safety.MinAdmins = ptr.To(int32(2)) })
	waitGroupCondition(t, ns, "guards", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	wantRoles(t, id, map[string]string{"+33612346001": "member"})
}

// dryRun writes nothing and shows the plan in status; turning it off applies that plan.
func TestDryRunShowsThePlanAndWritesNothing(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	const id = "WAG-privacy"
	mark := time.Now()
	createGroup(t, ns, "dry", id, members("+33612348001", "+33612348002"), admins(ownNumber, "+33612348001"), dryRun)
	g := waitGroupCondition(t, ns, "dry", metav1.ConditionFalse, whatsappv1.ReasonDryRun)
	want := &whatsappv1.PendingChanges{Add: []string{"+33612348001", "+33612348002"}, Promote: []string{"+33612348001"}}
	if g.Status.Pending == nil || !slices.Equal(g.Status.Pending.Add, want.Add) || !slices.Equal(g.Status.Pending.Promote, want.Promote) ||
		len(g.Status.Pending.Demote)+len(g.Status.Pending.Remove) != 0 {
		t.Errorf("pending = %+v, want %+v", g.Status.Pending, want)
	}
	if n := calls(id, mark); writes(n) != 0 {
		t.Errorf("dry run wrote: %v", n)
	}
	updateGroup(t, ns, "dry", func(g *whatsappv1.WhatsAppGroup) { g.Spec.DryRun = false })
	g = waitGroupCondition(t, ns, "dry", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	if g.Status.Pending != nil {
		t.Errorf("pending after sync = %+v, want none", g.Status.Pending)
	}
	wantRoles(t, id, map[string]string{"+33612348001": "admin", "+33612348002": "member"})
}

// A suspended group costs no provider call at all.
func TestSuspendMakesNoCalls(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	mark := time.Now()
	createGroup(t, ns, "paused", "WAG-suspend", members("+33612349001"), suspended)
	// A group created after it converging shows that the controller has had its turn.
	createGroup(t, ns, "witness", "WAG-credentials", members("+33612349002"))
	waitGroupCondition(t, ns, "witness", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	consistently(t, time.Second, func() error {
		if n := calls("WAG-suspend", mark); len(n) != 0 {
			return fmt.Errorf("suspended group made calls: %v", n)
		}
		return nil
	})
	eventually(t, 5*time.Second, func() error {
		g := getGroup(t, ns, "paused")
		if len(g.Status.Conditions) != 0 || g.Status.LastSyncTime != nil {
			return fmt.Errorf("suspended group was synced: %+v", g.Status)
		}
		if g.Status.ObservedGeneration != g.Generation {
			return fmt.Errorf("observedGeneration %d, generation %d: kstatus would read it as in progress", g.Status.ObservedGeneration, g.Generation)
		}
		return nil
	})
}

// When the account is not an admin of the group, no write is attempted.
func TestNotGroupAdminStallsWithoutWriting(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	const id = "WAG-notadmin"
	mark := time.Now()
	createGroup(t, ns, "notadmin", id, members("+33612350001"))
	g := waitGroupCondition(t, ns, "notadmin", metav1.ConditionFalse, whatsappv1.ReasonNotGroupAdmin)
	if !hasCondition(g, whatsappv1.ConditionStalled, whatsappv1.ReasonNotGroupAdmin) {
		t.Errorf("conditions %+v, want Stalled/NotGroupAdmin", g.Status.Conditions)
	}
	if n := calls(id, mark); writes(n) != 0 {
		t.Errorf("calls %v, want no writes", n)
	}
}

func readyMessage(g *whatsappv1.WhatsAppGroup) string {
	for _, c := range g.Status.Conditions {
		if c.Type == whatsappv1.ConditionReady {
			return c.Message
		}
	}
	return ""
}

// With the provider's reads lagging behind its writes, the changes sent are awaited, not sent
// again: the group converges with exactly one call per batch.
func TestReadLagCausesNoDuplicateWrites(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	const id = "WAG-lag"
	world.SetReadLag(1500 * time.Millisecond)
	t.Cleanup(func() { world.SetReadLag(0) })
	mark := time.Now()
	createGroup(t, ns, "lagging", id, members("+33612353001", "+33612353002", "+33612353003"), admins(ownNumber, "+33612353001"))
	waitGroupCondition(t, ns, "lagging", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	n := calls(id, mark)
	if n[sim.OpAdd] != 1 || n[sim.OpPromote] != 1 || writes(n) != 2 {
		t.Errorf("calls %v, want exactly one add and one promote despite the lag", n)
	}
	if n[sim.OpRead] < 2 {
		t.Errorf("calls %v, want the lagging reads to have been retried", n)
	}
	wantRoles(t, id, map[string]string{"+33612353001": "admin", "+33612353003": "member"})
}
