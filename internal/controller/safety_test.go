package controller_test

// The hostile cases of a real WhatsApp account, each asserting the bound it must keep: a change
// the provider refuses, silently drops, or answers "already a member" for someone the read cannot
// see costs at most a few writes over many confirm intervals and ends Stalled; deleting a group,
// its provider or its Secret mid-sync stops its writes; a 429's Retry-After is kept, and one
// without it backs off; a per-member rate-overlimit pauses the account; adds are paced; a
// session that drops right after writes stops the account's writes until a person acts. Each
// case runs on an account of its own, so that its pauses and budgets touch no other test.

import (
	"fmt"
	"hash/crc32"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

// confirmWindow is 20 of the suite's confirm intervals (200ms) and a little more.
const confirmWindow = 4400 * time.Millisecond

// twoChatAccount adds a 2Chat account whose own number is own, with one group of the given
// participants (the creator, the account as admin, then others as members), and returns the
// namespace of its Ready provider.
func twoChatAccount(t *testing.T, name, own, groupID string, others ...string) string {
	t.Helper()
	return tunedTwoChatAccount(t, nil, name, own, groupID, others...)
}

// tunedTwoChatAccount is twoChatAccount with the provider's spec changed by tune first.
func tunedTwoChatAccount(t *testing.T, tune func(*whatsappv1.ProviderSpec), name, own, groupID string, others ...string) string {
	t.Helper()
	ps := []sim.SeedMember{{Phone: creator, Role: "superadmin"}, {Phone: own, Role: "admin"}}
	for _, o := range others {
		ps = append(ps, sim.SeedMember{Phone: o})
	}
	return typeProvider(t, typeCase{
		Type:        whatsappv1.ProviderTwoChat,
		Account:     sim.Account{Name: name, Type: "TwoChat", APIKey: name + "-key", Numbers: []string{own}},
		SpecAccount: own,
		Group:       sim.SeedGroup{ID: groupID, JID: fmt.Sprintf("1203639%010d@g.us", crc32.ChecksumIEEE([]byte(groupID))), Participants: ps},
		Tune:        tune,
	})
}

// accountLog returns the calls of one simulated account since a time, oldest first.
func accountLog(account string, since time.Time) []sim.Call {
	var out []sim.Call
	for _, c := range world.Calls() {
		if c.Account == account && !c.Time.Before(since) {
			out = append(out, c)
		}
	}
	return out
}

func countOps(log []sim.Call) map[string]int {
	n := map[string]int{}
	for _, c := range log {
		n[c.Op]++
	}
	return n
}

// atMostWrites checks, over the window, that the group's calls of op stay at most most.
func atMostWrites(t *testing.T, groupID, op string, most int, since time.Time) {
	t.Helper()
	consistently(t, confirmWindow, func() error {
		if n := calls(groupID, since); n[op] > most {
			return fmt.Errorf("%d %s calls in %s, want at most %d: a change that does not take must back off", n[op], op, confirmWindow, most)
		}
		return nil
	})
}

func failureOf(g *whatsappv1.WhatsAppGroup, member, op string) *whatsappv1.MemberFailure {
	for i := range g.Status.Failures {
		if f := &g.Status.Failures[i]; f.Member == member && f.Operation == op {
			return f
		}
	}
	return nil
}

// A promote 2Chat answers with unaccepted_numbers is a refusal: held with a backoff of minutes,
// listed in status.failures, the group Stalled; over 20 confirm intervals it is sent once.
func TestRefusedPromoteBacksOff(t *testing.T) {
	const id, own, member = "WAG-safety-refused", "+12125552000", "+33612370001"
	ns := twoChatAccount(t, "safety-refused", own, id, member)
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpPromote, Status: http.StatusOK,
		Body: `{"success":true,"participants":{"accepted_numbers":[],"unaccepted_numbers":["` + member + `"]}}`})
	mark := time.Now()
	createGroup(t, ns, "refused", id, members(member), admins(own, member))
	g := waitGroupCondition(t, ns, "refused", metav1.ConditionFalse, whatsappv1.ReasonMemberFailures)
	if !hasCondition(g, whatsappv1.ConditionStalled, whatsappv1.ReasonMemberFailures) {
		t.Errorf("conditions %+v, want Stalled/MemberFailures", g.Status.Conditions)
	}
	f := failureOf(g, member, "Promote")
	if f == nil || f.Reason != string(provider.ResultRejected) || f.RetryAfter == nil || f.RetryAfter.Sub(f.LastSeen.Time) < 4*time.Minute || f.Action == "" {
		t.Fatalf("failures %+v, want a Rejected promote of %s retried in minutes, with an action", g.Status.Failures, member)
	}
	atMostWrites(t, id, sim.OpPromote, 1, mark)
}

// A WAHA promote answered {"status":200} that changes nothing (WEBJS in LID groups) does not take
// effect: once a read past the lag still shows a member, it backs off and the group is Stalled
// with ChangesNotTakingEffect; over 20 confirm intervals it costs one promote and a few reads.
func TestSilentlyDroppedPromoteBacksOff(t *testing.T) {
	const id, own, member = "120363000000003101@g.us", "+33612371000", "+33612371001"
	ns := typeProvider(t, typeCase{
		Type:        whatsappv1.ProviderWAHA,
		Account:     sim.Account{Name: "safety-dropped", Type: "WAHA", APIKey: "safety-dropped-key", Session: "safety-dropped", Numbers: []string{own}},
		SpecAccount: "safety-dropped",
		Group: sim.SeedGroup{ID: id, Participants: []sim.SeedMember{
			{Phone: "+33612371099", Role: "superadmin"}, {Phone: own, Role: "admin"}, {Phone: member},
		}},
	})
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Provider: "WAHA", Group: id, Op: sim.OpPromote, Status: http.StatusOK, Body: `{"status":200}`})
	mark := time.Now()
	createGroup(t, ns, "dropped", id, members(member), admins(own, member))
	g := waitGroupCondition(t, ns, "dropped", metav1.ConditionFalse, whatsappv1.ReasonChangesNotTakingEffect)
	if !hasCondition(g, whatsappv1.ConditionStalled, whatsappv1.ReasonChangesNotTakingEffect) {
		t.Errorf("conditions %+v, want Stalled/ChangesNotTakingEffect", g.Status.Conditions)
	}
	if f := failureOf(g, member, "Promote"); f == nil || f.Reason != string(provider.ResultNotTakingEffect) || !strings.Contains(f.Action, "admin") {
		t.Fatalf("failures %+v, want a NotTakingEffect promote of %s saying what to check", g.Status.Failures, member)
	}
	atMostWrites(t, id, sim.OpPromote, 1, mark)
	if n := calls(id, mark); n[sim.OpRead] > 5 {
		t.Errorf("%d reads, want a few: a held change is not read for in a loop either", n[sim.OpRead])
	}
}

// A declared member who is in the group but whom the read shows only as an @lid without a phone
// is present, not absent: the add answered "already a member" (409) is not sent again, and the
// group lists them as PresentUnresolved.
func TestPresentButUnresolvedIsNotReAdded(t *testing.T) {
	const id, own, hidden = "WAG-safety-hidden", "+12125552100", "+33612372001"
	ns := twoChatAccount(t, "safety-hidden", own, id, hidden)
	t.Cleanup(world.ClearFaults)
	read := fmt.Sprintf(`{"success":true,"data":{"uuid":%q,"wa_group_name":"hidden","participants":[`+
		`{"wa_participant_id":"12125550199@c.us","phone_number":"+12125550199","wa_is_admin":true,"wa_is_super_admin":true},`+
		`{"wa_participant_id":"%s@c.us","phone_number":"%s","wa_is_admin":true,"wa_is_super_admin":false},`+
		`{"wa_participant_id":"207134501234567@lid","phone_number":"","wa_is_admin":false,"wa_is_super_admin":false}]}}`,
		id, strings.TrimPrefix(own, "+"), own)
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpRead, Status: http.StatusOK, Body: read})
	mark := time.Now()
	createGroup(t, ns, "hidden", id, members(hidden), admins(own))
	g := waitGroupCondition(t, ns, "hidden", metav1.ConditionFalse, whatsappv1.ReasonMemberFailures)
	if f := failureOf(g, hidden, "Add"); f == nil || f.Reason != string(provider.ResultPresentUnresolved) || f.Action == "" {
		t.Fatalf("failures %+v, want %s PresentUnresolved", g.Status.Failures, hidden)
	}
	atMostWrites(t, id, sim.OpAdd, 1, mark)
}

// Editing an in-sync provider's spec does not strand its groups: they sync again within seconds
// (the interval is an hour, so only the provider watch can bring them back this soon; the
// window allows for a loaded machine).
func TestProviderEditDoesNotStrandGroups(t *testing.T) {
	const id, own = "WAG-safety-edit", "+12125552200"
	ns := twoChatAccount(t, "safety-edit", own, id, "+33612373001")
	createGroup(t, ns, "edited", id, members("+33612373001"), admins(own), hourly)
	waitGroupCondition(t, ns, "edited", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	mark := time.Now()
	updateProvider(t, ns, providerRef, func(p *whatsappv1.WhatsAppProvider) {
		p.Spec.RateLimit = &whatsappv1.RateLimit{RequestsPerMinute: 3000, Burst: 40}
	})
	eventually(t, 20*time.Second, func() error {
		g := getGroup(t, ns, "edited")
		if !hasReady(g, whatsappv1.ReasonInSync) || calls(id, mark)[sim.OpRead] == 0 {
			return fmt.Errorf("after the provider edit: reads %v, conditions %+v", calls(id, mark), g.Status.Conditions)
		}
		return nil
	})
}

// A group a ClusterWhatsAppProvider's namespaceSelector refuses syncs as soon as its namespace
// gets the label (the Namespace watch; the interval is an hour).
func TestNamespaceLabelAdmitsGroup(t *testing.T) {
	const id, own = "WAG-safety-selector", "+12125552300"
	twoChatAccount(t, "safety-selector", own, id)
	ns, secrets := newNamespace(t), clusterSecrets
	createSecret(t, secrets, "key-"+ns, "safety-selector-key")
	cp := &whatsappv1.ClusterWhatsAppProvider{
		ObjectMeta: metav1.ObjectMeta{Name: "selector-" + ns},
		Spec: whatsappv1.ClusterProviderSpec{
			ProviderSpec: whatsappv1.ProviderSpec{
				Type: whatsappv1.ProviderTwoChat, Endpoint: simURL, AllowInsecureHTTP: true, Account: own,
				CredentialsRef: whatsappv1.SecretKeyRef{Name: "key-" + ns, Key: "apiKey", Namespace: secrets},
				AddRateLimit:   &whatsappv1.AddRateLimit{AddsPerMinute: 6000, AddsPerDay: 1000000},
			},
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"wagov-test/admitted": ns}},
		},
	}
	if err := k8s.Create(suiteCtx, cp); err != nil {
		t.Fatal(err)
	}
	ref := func(g *whatsappv1.WhatsAppGroup) {
		g.Spec.ProviderRef = whatsappv1.ProviderReference{Kind: "ClusterWhatsAppProvider", Name: cp.Name}
	}
	createGroup(t, ns, "selected", id, ref, members("+33612374001"), admins(own), hourly)
	waitGroupCondition(t, ns, "selected", metav1.ConditionFalse, whatsappv1.ReasonProviderNotAllowed)
	eventually(t, 5*time.Second, func() error {
		var n corev1.Namespace
		if err := k8s.Get(suiteCtx, types.NamespacedName{Name: ns}, &n); err != nil {
			return err
		}
		n.Labels["wagov-test/admitted"] = ns
		return k8s.Update(suiteCtx, &n)
	})
	eventually(t, 20*time.Second, func() error {
		if g := getGroup(t, ns, "selected"); !hasReady(g, whatsappv1.ReasonInSync) {
			return fmt.Errorf("after labelling the namespace: conditions %+v", g.Status.Conditions)
		}
		return nil
	})
}

// Deleting a group, its provider or its Secret while a sync is sending 9 batches stops the
// writes: none reaches the provider after the delete.
func TestDeleteMidSyncStopsWrites(t *testing.T) {
	for i, victim := range []string{"group", "provider", "secret"} {
		t.Run(victim, func(t *testing.T) {
			id, own := fmt.Sprintf("WAG-safety-delete-%d", i), fmt.Sprintf("+1212555240%d", i)
			ns := tunedTwoChatAccount(t, func(p *whatsappv1.ProviderSpec) {
				p.RateLimit = &whatsappv1.RateLimit{RequestsPerMinute: 60, Burst: 1} // a batch a second
			}, "safety-delete-"+victim, own, id)
			mark := time.Now()
			createGroup(t, ns, "doomed", id, members(numbers(fmt.Sprintf("+3361237%d", 50+i), 90)...), admins(own))
			eventually(t, 15*time.Second, func() error {
				if n := calls(id, mark)[sim.OpAdd]; n < 2 {
					return fmt.Errorf("%d add calls so far", n)
				}
				return nil
			})
			var obj client.Object
			switch victim {
			case "group":
				obj = &whatsappv1.WhatsAppGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "doomed"}}
			case "provider":
				obj = &whatsappv1.WhatsAppProvider{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: providerRef}}
			default:
				obj = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "credentials"}}
			}
			if err := k8s.Delete(suiteCtx, obj); err != nil {
				t.Fatal(err)
			}
			deleted := time.Now()
			consistently(t, 3*time.Second, func() error {
				if n := calls(id, deleted); writes(n) > 0 {
					return fmt.Errorf("after deleting the %s: calls %v, want no write", victim, n)
				}
				return nil
			})
			if before := calls(id, mark)[sim.OpAdd]; before >= 9 {
				t.Errorf("%d add calls: the sync finished before the delete, so the case proves nothing", before)
			}
		})
	}
}

// No call goes inside a 429's Retry-After, nor in the second after it, since the account's bucket
// (60 a minute) resumes empty, and 429s without one back off exponentially (2s, 4s, 8s...)
// instead of every second.
func TestRetryAfterIsKept(t *testing.T) {
	const id, own, account = "WAG-safety-429", "+12125552500", "safety-429"
	ns := tunedTwoChatAccount(t, func(p *whatsappv1.ProviderSpec) {
		p.RateLimit = &whatsappv1.RateLimit{RequestsPerMinute: 60, Burst: 5}
	}, account, own, id)
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpRead, Status: http.StatusTooManyRequests, RetryAfter: "2", Times: 2})
	mark := time.Now()
	createGroup(t, ns, "limited", id, members("+33612375001"), admins(own))
	waitGroupCondition(t, ns, "limited", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	log := accountLog(account, mark)
	for i, c := range log {
		if c.Status != http.StatusTooManyRequests || i+1 == len(log) {
			continue
		}
		if next := log[i+1]; next.Time.Sub(c.Time) < 3*time.Second {
			t.Errorf("a %s call %s after a 429 with Retry-After: 2, want the 2s and a token's 1s more", next.Op, next.Time.Sub(c.Time))
		}
	}

	world.InjectFault(sim.Fault{Group: id, Op: sim.OpRead, Status: http.StatusTooManyRequests})
	mark = time.Now()
	updateGroup(t, ns, "limited", func(g *whatsappv1.WhatsAppGroup) {
		g.Annotations = map[string]string{whatsappv1.ReconcileRequestedAtAnnotation: "retry-after-missing"}
	})
	// Calls at about 0, 2 and 6 s (then 14): a retry each second would make 9.
	consistently(t, 9*time.Second, func() error {
		if n := len(accountLog(account, mark)); n > 4 {
			return fmt.Errorf("%d calls in 9s answered 429 without Retry-After, want at most 4 (a doubling backoff)", n)
		}
		return nil
	})
	if n := len(accountLog(account, mark)); n < 2 {
		t.Errorf("%d calls, want the read retried after the backoff", n)
	}
}

// A per-member rate-overlimit (WhatsApp's code 400 in an add answer) pauses the whole account:
// no call at all follows for the window, and the group says it is rate limited.
func TestRateOverlimitPausesTheAccount(t *testing.T) {
	const id, own, account = "WAG-safety-overlimit", "+12125552600", "safety-overlimit"
	ns := twoChatAccount(t, account, own, id)
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpAdd, Status: http.StatusOK,
		Body: `{"success":true,"participants":{"+33612376001":{"statusCode":400,"message":"rate-overlimit"}}}`})
	createGroup(t, ns, "overlimit", id, members("+33612376001", "+33612376002"), admins(own))
	waitGroupCondition(t, ns, "overlimit", metav1.ConditionFalse, whatsappv1.ReasonRateLimited)
	mark := time.Now()
	consistently(t, 3*time.Second, func() error {
		if log := accountLog(account, mark); len(log) > 0 {
			return fmt.Errorf("calls %v after rate-overlimit, want none while the account pauses", countOps(log))
		}
		return nil
	})
}

// Adds are paced by addRateLimit: at 60 a minute (one a second, starting empty), the members
// added by any moment never exceed one a second since the sync began.
func TestAddsArePaced(t *testing.T) {
	const id, own, account = "WAG-safety-paced", "+12125552700", "safety-paced"
	ns := tunedTwoChatAccount(t, func(p *whatsappv1.ProviderSpec) {
		p.AddRateLimit = &whatsappv1.AddRateLimit{AddsPerMinute: 60, AddsPerDay: 1000}
	}, account, own, id)
	mark := time.Now()
	createGroup(t, ns, "paced", id, members(numbers("+336123770", 4)...), admins(own))
	waitGroupCondition(t, ns, "paced", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	added := 0
	for _, c := range accountLog(account, mark) {
		if c.Op != sim.OpAdd {
			continue
		}
		added += c.Members
		if allowed := int(c.Time.Sub(mark)/time.Second) + 1; added > allowed {
			t.Errorf("%d members added %s after the start, want at most %d at one a second", added, c.Time.Sub(mark).Round(time.Millisecond), allowed)
		}
	}
	if added != 4 {
		t.Errorf("%d members added, want 4", added)
	}
}

// A session that fails right after a write opens the account's breaker: the provider shows
// WritesPaused, the group writes nothing while it is open, and editing the provider closes it.
func TestSessionDropAfterWritesStopsWrites(t *testing.T) {
	const id, own, account = "WAG-safety-breaker", "+12125552800", "safety-breaker"
	ns := twoChatAccount(t, account, own, id)
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpAdd, Status: http.StatusServiceUnavailable, Times: 1})
	createGroup(t, ns, "breaker", id, members("+33612378001"), admins(own))
	eventually(t, 10*time.Second, func() error {
		var p whatsappv1.WhatsAppProvider
		if err := k8s.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: providerRef}, &p); err != nil {
			return err
		}
		if c := findCondition(p.Status.Conditions, whatsappv1.ConditionWritesPaused); c == nil || c.Reason != whatsappv1.ReasonSessionDropped {
			return fmt.Errorf("provider conditions %+v, want WritesPaused", p.Status.Conditions)
		}
		return nil
	})
	mark := time.Now()
	updateGroup(t, ns, "breaker", func(g *whatsappv1.WhatsAppGroup) { g.Spec.Members = append(g.Spec.Members, "+33612378002") })
	waitGroupCondition(t, ns, "breaker", metav1.ConditionFalse, whatsappv1.ReasonWritesPaused)
	consistently(t, 2*time.Second, func() error {
		if n := calls(id, mark); writes(n) > 0 {
			return fmt.Errorf("calls %v while the breaker is open, want no write", n)
		}
		return nil
	})
	updateProvider(t, ns, providerRef, func(p *whatsappv1.WhatsAppProvider) { p.Spec.RateLimit.Burst++ })
	eventually(t, 10*time.Second, func() error {
		if roster(t, id)["+33612378002"] != "member" {
			return fmt.Errorf("after the provider edit: roster %v, want the second member added", roster(t, id))
		}
		return nil
	})
}

// lastHandledReconcileAt is echoed only by a sync that read the group: a requested sync that
// the provider answers 429 leaves it unset until a read succeeds.
func TestReconcileRequestEchoedOnlyAfterARead(t *testing.T) {
	const id, own, account = "WAG-safety-echo", "+12125552900", "safety-echo"
	ns := twoChatAccount(t, account, own, id, "+33612379001")
	createGroup(t, ns, "echo", id, members("+33612379001"), admins(own))
	waitGroupCondition(t, ns, "echo", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	t.Cleanup(world.ClearFaults)
	world.InjectFault(sim.Fault{Group: id, Op: sim.OpRead, Status: http.StatusTooManyRequests, RetryAfter: "3", Times: 1})
	mark := time.Now()
	updateGroup(t, ns, "echo", func(g *whatsappv1.WhatsAppGroup) {
		g.Annotations = map[string]string{whatsappv1.ReconcileRequestedAtAnnotation: "after-a-read"}
	})
	eventually(t, 5*time.Second, func() error {
		if n := calls(id, mark)[sim.OpRead]; n < 1 {
			return fmt.Errorf("no read yet")
		}
		return nil
	})
	eventually(t, 2*time.Second, func() error {
		if g := getGroup(t, ns, "echo"); !hasReady(g, whatsappv1.ReasonRateLimited) {
			return fmt.Errorf("conditions %+v, want RateLimited", g.Status.Conditions)
		}
		return nil
	})
	if g := getGroup(t, ns, "echo"); g.Status.LastHandledReconcileAt == "after-a-read" {
		t.Fatalf("lastHandledReconcileAt echoed by a sync that was answered 429 and read nothing")
	}
	eventually(t, 10*time.Second, func() error {
		if g := getGroup(t, ns, "echo"); g.Status.LastHandledReconcileAt != "after-a-read" {
			return fmt.Errorf("lastHandledReconcileAt %q", g.Status.LastHandledReconcileAt)
		}
		return nil
	})
}

func hourly(g *whatsappv1.WhatsAppGroup) { g.Spec.Interval = &metav1.Duration{Duration: time.Hour} }

func hasReady(g *whatsappv1.WhatsAppGroup, reason string) bool {
	c := findCondition(g.Status.Conditions, whatsappv1.ConditionReady)
	return c != nil && c.Reason == reason && g.Status.ObservedGeneration == g.Generation
}

func findCondition(conds []metav1.Condition, t string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}
