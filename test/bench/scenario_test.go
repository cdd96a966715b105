package bench

// This file owns the shape of the load: the accounts, the seeded groups, the specs that change
// them, and what those changes cost at the least, computed from the rosters and the batch caps,
// never from the calls the operator made.

import (
	"fmt"
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

const (
	namespace = "bench"
	creator   = "+12125550199" // every group's creator, whom no spec declares
	// interval is every group's spec.interval, the shortest the API allows, so that the steady
	// state shows within minutes.
	interval = 30 * time.Second
	// addsPerMinute and addsPerDay are the providers' addRateLimit, at the API's maximum: the
	// default 6 adds a minute would make the adds, not the request rate, the whole story.
	addsPerMinute = 6000
	addsPerDay    = 1000000
)

// scenario is one shape of load: groups spread evenly over accounts, each seeded with a roster
// that its spec changes by the same numbers of adds, promotions, demotions and removals.
type scenario struct {
	name     string
	groups   int
	accounts int
	// size is a group's participants at its largest: seeded plus added, before the removals.
	size int
	// perMinute and burst are each account's rate limit in its provider object; the simulator
	// allows simHeadroom more.
	perMinute, burst                 int
	adds, promotes, demotes, removes int
	runs                             int
}

func (sc scenario) typ() string { return string(whatsappv1.ProviderTwoChat) }

// The roster of group g, by member index j: first the admins that Enforce demotes, then the
// undeclared members that Sync removes, then the declared members already there (the first
// ones promoted), then the new members (the first one also promoted).
func (sc scenario) demoted(j int) bool { return j < sc.demotes }
func (sc scenario) removed(j int) bool { return j >= sc.demotes && j < sc.demotes+sc.removes }
func (sc scenario) seeded() int        { return sc.size - 2 - sc.adds } // members, besides the creator and the account
func (sc scenario) promoted(j int) bool {
	newOnes := min(1, sc.adds, sc.promotes)
	first := sc.demotes + sc.removes
	return (j >= first && j < first+sc.promotes-newOnes) || (j >= sc.seeded() && j < sc.seeded()+newOnes)
}

func accountName(k int) string        { return fmt.Sprintf("acct%03d", k) }
func accountNumber(k int) string      { return fmt.Sprintf("+1212333%04d", k) }
func apiKey(k int) string             { return fmt.Sprintf("bench-key-%03d", k) }
func groupName(g int) string          { return fmt.Sprintf("g%05d", g) }
func groupID(g int) string            { return fmt.Sprintf("WAGb0000000-0000-4000-8000-%012d", g) }
func member(g, j int) string          { return fmt.Sprintf("+336%05d%04d", g, j) }
func (sc scenario) account(g int) int { return g % sc.accounts }

// simHeadroom is how far above the provider objects' rateLimit the simulator's own rate is: a
// provider publishes its limit and a user sets rateLimit a little below it (as the README
// advises). The burst is the same on both sides, so a request the operator paced can still
// meet a 429 when the machine stalls one process for longer than the headroom's few tokens
// cover; the report counts every one.
const simHeadroom = 1.1

// seed is the simulated world: each account with its provider object's rate limit plus the
// headroom, and each group as it is before the operator acts.
func (sc scenario) seed() sim.Seed {
	var s sim.Seed
	for k := range sc.accounts {
		s.Accounts = append(s.Accounts, sim.Account{Name: accountName(k), Type: sc.typ(), APIKey: apiKey(k), Numbers: []string{accountNumber(k)},
			RateLimit: &sim.RateLimit{RequestsPerMinute: float64(sc.perMinute) * simHeadroom, Burst: sc.burst}})
	}
	for g := range sc.groups {
		s.Groups = append(s.Groups, sc.seedGroup(g))
	}
	return s
}

func (sc scenario) seedGroup(g int) sim.SeedGroup {
	ps := []sim.SeedMember{{Phone: creator, Role: "superadmin"}, {Phone: accountNumber(sc.account(g)), Role: "admin"}}
	for j := range sc.seeded() {
		role := "member"
		if sc.demoted(j) {
			role = "admin"
		}
		ps = append(ps, sim.SeedMember{Phone: member(g, j), Role: role})
	}
	return sim.SeedGroup{ID: groupID(g), JID: fmt.Sprintf("1203630%013d@g.us", g), MaxSize: sc.size, Participants: ps}
}

// spec is group g's spec.
func (sc scenario) spec(g int) whatsappv1.WhatsAppGroupSpec {
	admins := []string{accountNumber(sc.account(g))}
	var members []string
	for j := range sc.seeded() + sc.adds {
		if sc.removed(j) {
			continue
		}
		members = append(members, member(g, j))
		if sc.promoted(j) {
			admins = append(admins, member(g, j))
		}
	}
	return whatsappv1.WhatsAppGroupSpec{
		ProviderRef:      whatsappv1.ProviderReference{Kind: "WhatsAppProvider", Name: accountName(sc.account(g))},
		GroupID:          groupID(g),
		Members:          members,
		Admins:           admins,
		MembershipPolicy: whatsappv1.MembershipSync,
		AdminPolicy:      whatsappv1.AdminEnforce,
		Interval:         &metav1.Duration{Duration: interval},
	}
}

// want is group g's roster once converged, by number: the role each participant must have.
func (sc scenario) want(g int) map[string]string {
	w := map[string]string{creator: "superadmin", accountNumber(sc.account(g)): "admin"}
	for j := range sc.seeded() + sc.adds {
		switch {
		case sc.removed(j):
		case sc.promoted(j):
			w[member(g, j)] = "admin"
		default:
			w[member(g, j)] = "member"
		}
	}
	return w
}

// providerObjects are each account's Secret and provider object.
func (sc scenario) providerObjects(endpoint string) []client.Object {
	var objs []client.Object
	for k := range sc.accounts {
		objs = append(objs,
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: accountName(k)}, StringData: map[string]string{"apiKey": apiKey(k)}},
			&whatsappv1.WhatsAppProvider{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: accountName(k)}, Spec: whatsappv1.ProviderSpec{
				Type: whatsappv1.ProviderType(sc.typ()), Endpoint: endpoint, AllowInsecureHTTP: true, Account: accountNumber(k),
				CredentialsRef: whatsappv1.SecretKeyRef{Name: accountName(k), Key: "apiKey"},
				RateLimit:      &whatsappv1.RateLimit{RequestsPerMinute: int32(sc.perMinute), Burst: int32(sc.burst)},
				AddRateLimit:   &whatsappv1.AddRateLimit{AddsPerMinute: addsPerMinute, AddsPerDay: addsPerDay}}})
	}
	return objs
}

// minCallsPerGroup is the fewest provider calls that bring one group to its spec: a read, one
// call per batch of each kind of change, and a read that confirms them.
func (sc scenario) minCallsPerGroup() int {
	caps, _ := provider.CapabilitiesOf(sc.typ())
	calls := 1
	changes := 0
	for op, n := range map[roster.Op]int{roster.OpAdd: sc.adds, roster.OpPromote: sc.promotes, roster.OpDemote: sc.demotes, roster.OpRemove: sc.removes} {
		calls += (n + caps.BatchFor(op) - 1) / caps.BatchFor(op)
		changes += n
	}
	if changes > 0 {
		calls++
	}
	return calls
}

// rateBound is the least time the accounts' rate limits allow for those calls: each account
// starts with a full burst, then earns perMinute tokens a minute, and the busiest account
// finishes last.
func (sc scenario) rateBound() time.Duration {
	busiest := int(math.Ceil(float64(sc.groups)/float64(sc.accounts))) * sc.minCallsPerGroup()
	return time.Duration(float64(max(busiest-sc.burst, 0)) / (float64(sc.perMinute) / 60) * float64(time.Second))
}

// planInput is the first plan of group 0: its spec against its seeded roster.
func (sc scenario) planInput() plan.Input {
	spec := sc.spec(0)
	live := roster.Group{ID: groupID(0), Self: roster.MustNormalize(accountNumber(0))}
	for _, m := range sc.seedGroup(0).Participants {
		live.Participants = append(live.Participants, roster.Participant{Phone: roster.MustNormalize(m.Phone), Role: roster.Role(m.Role)})
	}
	phones := func(ns []string) []roster.Phone {
		out := make([]roster.Phone, len(ns))
		for i, n := range ns {
			out[i] = roster.MustNormalize(n)
		}
		return out
	}
	return plan.Input{Members: phones(spec.Members), Admins: phones(spec.Admins), Live: live, RemoveUndeclared: true, DemoteUnlisted: true}
}
