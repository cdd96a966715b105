package controller_test

// Restarts: the operator keeps what it just sent in status, so a new process (a pod restart or
// a new leader) awaits it instead of sending it again; and a restart of many converged groups
// spreads their first reads and never calls an account faster than its rate.

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/sim"
)

// A restart within the provider's read lag costs reads, never writes: the 10 adds sent before
// it are awaited by the new process until a read shows them.
func TestRestartWithinReadLagSendsNothingAgain(t *testing.T) {
	const id, own = "WAG-restart-lag", "+12125553000"
	ns := twoChatAccount(t, "restart-lag", own, id)
	world.SetReadLag(6 * time.Second)
	t.Cleanup(func() { world.SetReadLag(0) })
	mark := time.Now()
	createGroup(t, ns, "lagging", id, members(numbers("+336123800", 10)...), admins(own))
	eventually(t, 10*time.Second, func() error {
		if n := calls(id, mark)[sim.OpAdd]; n != 1 {
			return fmt.Errorf("%d add calls, want the batch sent", n)
		}
		if g := getGroup(t, ns, "lagging"); len(g.Status.InFlight) != 10 {
			return fmt.Errorf("status.inFlight holds %d changes, want the 10 adds", len(g.Status.InFlight))
		}
		return nil
	})
	restartOperator(t)
	waitGroupCondition(t, ns, "lagging", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	n := calls(id, mark)
	if n[sim.OpAdd] != 1 || writes(n) != 1 {
		t.Errorf("calls %v, want the one add batch: a restart within the read lag must not send it again", n)
	}
	if n[sim.OpRead] < 2 {
		t.Errorf("calls %v, want the new process to have read the group", n)
	}
}

// A restart of many converged groups on one account: their first reads are spread, never faster
// than the account's rate over any window, and the provider answers no 429.
func TestRestartOfConvergedGroupsKeepsTheRate(t *testing.T) {
	const own, account, groups = "+12125553100", "restart-many", 40
	// 20 calls a second: at that rate the 40 reads would fit in 2 s; spread, they take several.
	const perMinute, burst = 1200, 5
	seed := sim.Seed{Accounts: []sim.Account{{Name: account, Type: "TwoChat", APIKey: account + "-key", Numbers: []string{own},
		RateLimit: &sim.RateLimit{RequestsPerMinute: perMinute, Burst: burst}}}}
	for i := range groups {
		seed.Groups = append(seed.Groups, sim.SeedGroup{ID: fmt.Sprintf("WAG-restart-many-%02d", i), JID: fmt.Sprintf("12036300000031%02d@g.us", i),
			Participants: []sim.SeedMember{{Phone: creator, Role: "superadmin"}, {Phone: own, Role: "admin"}}})
	}
	if err := world.Add(seed); err != nil {
		t.Fatal(err)
	}
	ns := providerFor(t, typeCase{Type: whatsappv1.ProviderTwoChat, Account: sim.Account{Name: account, APIKey: account + "-key"}, SpecAccount: own,
		Tune: func(p *whatsappv1.ProviderSpec) {
			p.RateLimit = &whatsappv1.RateLimit{RequestsPerMinute: perMinute, Burst: burst}
		}})
	interval := func(g *whatsappv1.WhatsAppGroup) { g.Spec.Interval = &metav1.Duration{Duration: 40 * time.Second} }
	for i := range groups {
		createGroup(t, ns, fmt.Sprintf("g%02d", i), fmt.Sprintf("WAG-restart-many-%02d", i), admins(own), interval)
	}
	for i := range groups {
		waitGroupCondition(t, ns, fmt.Sprintf("g%02d", i), metav1.ConditionTrue, whatsappv1.ReasonInSync)
	}
	mark := time.Now()
	restartOperator(t)
	eventually(t, 20*time.Second, func() error {
		read := map[string]bool{}
		for _, c := range accountLog(account, mark) {
			read[c.Group] = true
		}
		if len(read) < groups {
			return fmt.Errorf("%d of %d groups read since the restart", len(read), groups)
		}
		return nil
	})
	log := accountLog(account, mark.Add(-10*time.Second))
	for i, c := range log {
		if c.Status == http.StatusTooManyRequests {
			t.Errorf("a %s call answered 429 at %s", c.Op, c.Time.Sub(mark))
		}
		for _, w := range []time.Duration{time.Second, 5 * time.Second} {
			n := 0
			for _, d := range log[i:] {
				if d.Time.Sub(c.Time) < w {
					n++
				}
			}
			if allowed := int(w.Seconds()*perMinute/60) + burst; n > allowed {
				t.Errorf("%d calls in the %s from %s, over the account's allowance of %d", n, w, c.Time.Sub(mark).Round(time.Millisecond), allowed)
			}
		}
	}
	var first, last time.Time
	for _, c := range accountLog(account, mark) {
		if first.IsZero() {
			first = c.Time
		}
		last = c.Time
	}
	if spread := last.Sub(first); spread < 4*time.Second {
		t.Errorf("the %d first reads after the restart came within %s, want them spread over part of the interval", groups, spread)
	}
}

// An operator started with --watch-label-selector syncs only the groups (and providers) of its
// shard; the others are left to another Deployment.
func TestShardSyncsOnlyItsGroups(t *testing.T) {
	const own = "+12125553300"
	const key = "sharding.fluxcd.io/key"
	ns := twoChatAccount(t, "shard", own, "WAG-shard-in", "+33612382001")
	if err := world.Add(sim.Seed{Groups: []sim.SeedGroup{{ID: "WAG-shard-out", JID: "120363000000003301@g.us",
		Participants: []sim.SeedMember{{Phone: creator, Role: "superadmin"}, {Phone: own, Role: "admin"}}}}}); err != nil {
		t.Fatal(err)
	}
	updateProvider(t, ns, providerRef, func(p *whatsappv1.WhatsAppProvider) { p.Labels = map[string]string{key: "s1"} })
	shard, err := labels.Parse(key + "=s1")
	if err != nil {
		t.Fatal(err)
	}
	stopOperator()
	stop, err := startOperatorWith(controller.CacheOptions(shard))
	if err != nil {
		t.Fatal(err)
	}
	stopOperator = stop
	t.Cleanup(func() { restartOperator(t) })
	mark := time.Now()
	inShard := func(g *whatsappv1.WhatsAppGroup) { g.Labels = map[string]string{key: "s1"} }
	createGroup(t, ns, "in", "WAG-shard-in", inShard, members("+33612382001", "+33612382002"), admins(own))
	createGroup(t, ns, "out", "WAG-shard-out", members("+33612382003"), admins(own))
	waitGroupCondition(t, ns, "in", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	consistently(t, 2*time.Second, func() error {
		if g := getGroup(t, ns, "out"); g.Status.ObservedGeneration == g.Generation {
			return fmt.Errorf("the group outside the shard was synced: %+v", g.Status)
		}
		if n := calls("WAG-shard-out", mark); len(n) != 0 {
			return fmt.Errorf("calls %v for the group outside the shard", n)
		}
		return nil
	})
}
