package controller_test

// Syncs under provider failure: 429 storms, 5xx, malformed bodies, whole-batch refusals and
// members that need a person. Every case converges once the faults stop, within a bounded
// number of calls, and never writes what it should not.

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

// Read faults (a 429 storm with Retry-After, server errors, a malformed body, a timeout) delay the sync;
// once they stop the group converges, with one write call per kind and a bounded number of reads.
func TestConvergesOnceFaultsStop(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	const id = "WAG-faults"
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpRead, Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 2})
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpRead, Status: http.StatusServiceUnavailable, Times: 2})
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpRead, Malformed: true, Times: 1})
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpRead, Latency: sim.Duration(3 * time.Second), Times: 1}) // past the client's 2s timeout
	mark := time.Now()
	createGroup(t, ns, "faulty", id, members("+33612354001", "+33612354002"), admins(ownNumber, "+33612354001"))
	waitGroupCondition(t, ns, "faulty", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	n := calls(id, mark)
	if n[sim.OpAdd] != 1 || n[sim.OpPromote] != 1 || writes(n) != 2 {
		t.Errorf("calls %v, want one add and one promote", n)
	}
	// 6 faulted reads, the read that plans, the confirming read; a little slack for a requeue
	// racing the confirm, and nothing like a hot loop.
	if n[sim.OpRead] < 8 || n[sim.OpRead] > 10 {
		t.Errorf("%d reads, want 8 to 10 (6 faulted, then plan and confirm)", n[sim.OpRead])
	}
	wantEvent(t, ns, "faulty", whatsappv1.EventRateLimited)
	wantEvent(t, ns, "faulty", whatsappv1.EventProviderError)
}

// A batch the provider refuses as a whole is split until the refused part is isolated; the
// rest are applied.
func TestWholeBatchRefusalIsSplit(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	const id = "WAG-split"
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpAdd, Status: http.StatusBadRequest, Times: 1})
	mark := time.Now()
	newcomers := numbers("+336123550", 6)
	createGroup(t, ns, "split", id, members(newcomers...))
	waitGroupCondition(t, ns, "split", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	if n := calls(id, mark); n[sim.OpAdd] != 3 {
		t.Errorf("add calls %d, want 3 (the refused batch, then its two halves)", n[sim.OpAdd])
	}
	want := map[string]string{}
	for _, m := range newcomers {
		want[m] = "member"
	}
	wantRoles(t, id, want)
}

// A member whose add fails for a reason a person must handle is listed in status.failures,
// the others are added, it is not retried on every loop, and a requested reconcile retries it
// at once and is echoed in status.
func TestTerminalFailureBacksOffAndReconcileRequestRetries(t *testing.T) {
	ns := newNamespace(t)
	setupProvider(t, ns)
	const id, private = "WAG-held", "+447700900001"
	mark := time.Now()
	createGroup(t, ns, "held", id, members("+33612356001", private, "+33612356002"))
	g := waitGroupCondition(t, ns, "held", metav1.ConditionFalse, whatsappv1.ReasonMemberFailures)
	if !hasCondition(g, whatsappv1.ConditionStalled, whatsappv1.ReasonMemberFailures) {
		t.Errorf("conditions %+v, want Stalled/MemberFailures", g.Status.Conditions)
	}
	wantRoles(t, id, map[string]string{"+33612356001": "member", "+33612356002": "member"})
	if len(g.Status.Failures) != 1 {
		t.Fatalf("failures %+v, want one", g.Status.Failures)
	}
	f := g.Status.Failures[0]
	if f.Member != private || f.Reason != string(provider.ResultInviteRequired) || f.Attempts != 1 || f.RetryAfter == nil || f.RetryAfter.Sub(f.LastSeen.Time) < 4*time.Minute {
		t.Errorf("failure %+v, want InviteRequired for %s, 1 attempt, retry in minutes", f, private)
	}
	consistently(t, time.Second, func() error {
		if n := calls(id, mark); n[sim.OpAdd] != 1 {
			return fmt.Errorf("add calls %d, want 1: the failed member must not be retried on every loop", n[sim.OpAdd])
		}
		return nil
	})

	updateGroup(t, ns, "held", func(g *whatsappv1.WhatsAppGroup) {
		g.Annotations = map[string]string{whatsappv1.ReconcileRequestedAtAnnotation: "2026-11-22T04:00:00Z"}
	})
	eventually(t, 10*time.Second, func() error {
		g := getGroup(t, ns, "held")
		if g.Status.LastHandledReconcileAt != "2026-11-22T04:00:00Z" {
			return fmt.Errorf("lastHandledReconcileAt %q", g.Status.LastHandledReconcileAt)
		}
		if len(g.Status.Failures) != 1 || g.Status.Failures[0].Attempts != 2 {
			return fmt.Errorf("failures %+v, want the member retried once more", g.Status.Failures)
		}
		return nil
	})
	if n := calls(id, mark); n[sim.OpAdd] != 2 {
		t.Errorf("add calls %d, want 2 (the first, and the requested retry)", n[sim.OpAdd])
	}
}
