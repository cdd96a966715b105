package contract

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
	_ "github.com/wagov/wagov/internal/provider/supported"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/dialects"
	"github.com/wagov/wagov/internal/sim/simtest"
)

// Case is one provider type's entry in the table.
type Case struct {
	// Type is the spec.type name.
	Type string
	// Account is the simulator account the client acts as. Numbers[0] is its own number;
	// APIKey is what the client's Credential must carry.
	Account sim.Account
	// Config returns the client config for the account at the simulator's endpoint.
	Config func(endpoint string) provider.Config
	// GroupID turns a seeded group (both its provider id and JID are given) into the id this
	// type's spec.groupID uses.
	GroupID func(id, jid string) string
	// HidesAddOutcomes is true where the provider does not report per-member add codes
	// (the outcomes are then Unknown, and the next read tells).
	HidesAddOutcomes bool
	// NotAdmin is the sentinel a write by a non-admin account maps to (usually
	// provider.ErrNotAdmin; a provider that answers it as a server error gives ErrUnavailable).
	NotAdmin error
	// LIDWrites is true where the API accepts an @lid target, so that the client writes to a
	// member a read listed by LID with that LID. Where it is false, such a write must not claim
	// to be Applied (the controller's outcome lifecycle then holds it).
	LIDWrites bool
}

// cases is the table; each type's file appends its Case in init.
var cases []Case

func register(c Case) { cases = append(cases, c) }

// Numbers of the contract world.
const (
	creator  = "+12125550199"
	admin    = "+33612340001"
	member1  = "+33612340002"
	member2  = "+33612340003"
	newbie   = "+33612340009"
	private  = "+447700900001" // privacy: only an invite
	notOnWA  = "+15550000000"  // unregistered
	leftLate = "+17137150000"  // recently left
)

// More numbers: a member WhatsApp files without Brazil's ninth digit, declared with it; a
// member of the LID-addressed group.
const (
	brShort    = "+553187650001"
	brDeclared = "+5531987650001"
	lidMember  = "+33612340021"
	lidOfIt    = "207134500000021@lid"
)

// fixture is one case's simulator and client.
type fixture struct {
	c        Case
	sim      *sim.Sim
	client   provider.Client
	url      string
	group    string // the spec.groupID of the main group
	other    string // the spec.groupID of a group where the account is a plain member
	lids     string // the spec.groupID of a LID-addressed group
	rewrites string // the spec.groupID of a group with brShort in it
	// tokens counts the account budget's tokens the client's requests took.
	tokens atomic.Int64
}

func setup(t *testing.T, c Case) *fixture {
	t.Helper()
	own := c.Account.Numbers[0]
	seed := sim.Seed{
		Accounts: []sim.Account{c.Account},
		People: []sim.Person{
			{Phone: private, Privacy: true},
			{Phone: notOnWA, Unregistered: true},
			{Phone: lidMember, LID: lidOfIt},
		},
		Groups: []sim.SeedGroup{
			{ID: "WAGc0000000-0000-4000-8000-000000000001", JID: "120363000000000101@g.us", Name: "Contract",
				Participants: []sim.SeedMember{{Phone: creator, Role: "superadmin"}, {Phone: own, Role: "admin"},
					{Phone: admin, Role: "admin"}, {Phone: member1}, {Phone: member2}},
				RecentlyLeft: []string{leftLate}},
			{ID: "WAGc0000000-0000-4000-8000-000000000002", JID: "120363000000000102@g.us", Name: "Not ours",
				Participants: []sim.SeedMember{{Phone: creator, Role: "superadmin"}, {Phone: own}}},
			{ID: "WAGc0000000-0000-4000-8000-000000000003", JID: "120363000000000103@g.us", Name: "By LID", Addressing: "lid",
				Participants: []sim.SeedMember{{Phone: creator, Role: "superadmin"}, {Phone: own, Role: "admin"}, {Phone: lidMember}}},
			{ID: "WAGc0000000-0000-4000-8000-000000000004", JID: "120363000000000104@g.us", Name: "Rewrites",
				Participants: []sim.SeedMember{{Phone: creator, Role: "superadmin"}, {Phone: own, Role: "admin"}, {Phone: brShort}}},
		},
	}
	srv := simtest.Serve(t, seed)
	f := &fixture{c: c, sim: srv.Sim, url: srv.URL,
		group: c.GroupID(seed.Groups[0].ID, seed.Groups[0].JID),
		other: c.GroupID(seed.Groups[1].ID, seed.Groups[1].JID),
		lids:  c.GroupID(seed.Groups[2].ID, seed.Groups[2].JID)}
	f.rewrites = c.GroupID(seed.Groups[3].ID, seed.Groups[3].JID)
	cfg := c.Config(srv.URL)
	// As the controller does: every request the client sends takes a token of the budget.
	cfg.HTTP = httpx.NewClient(cfg.HTTP, func(context.Context) (time.Duration, error) {
		f.tokens.Add(1)
		return 0, nil
	})
	cl, _, err := provider.New(c.Type, cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.client = cl
	return f
}

// truth returns the main group's roster in the simulator: +E164 → role.
func (f *fixture) truth(t *testing.T) map[string]string {
	t.Helper()
	return simtest.Roles(t, f.sim, "120363000000000101@g.us")
}

func phone(e164 string) roster.Phone { return roster.MustNormalize(e164) }

// noSecret fails when err's text carries the credential.
func (f *fixture) noSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), f.c.Account.APIKey) {
		t.Fatalf("error shows the credential: %v", err)
	}
}

func TestContract(t *testing.T) {
	if len(cases) == 0 {
		t.Fatal("the contract table is empty")
	}
	for _, c := range cases {
		t.Run(c.Type, func(t *testing.T) {
			t.Run("ReadsRosterWithRoles", func(t *testing.T) { readsRoster(t, setup(t, c)) })
			t.Run("EachWriteChangesTheGroup", func(t *testing.T) { eachWrite(t, setup(t, c)) })
			t.Run("BatchCap", func(t *testing.T) { batchCap(t, setup(t, c)) })
			t.Run("ErrorsMapToSentinels", func(t *testing.T) { errorsMap(t, setup(t, c)) })
			t.Run("RetryAfter", func(t *testing.T) { retryAfter(t, setup(t, c)) })
			t.Run("PerMemberOutcomes", func(t *testing.T) { perMember(t, setup(t, c)) })
			t.Run("IdempotentReplays", func(t *testing.T) { replays(t, setup(t, c)) })
			t.Run("KnowsItsOwnNumber", func(t *testing.T) { ownNumber(t, setup(t, c)) })
			t.Run("EveryCallTakesAToken", func(t *testing.T) { callsEqualTokens(t, setup(t, c)) })
			t.Run("NoCredentialToAnotherHost", func(t *testing.T) { noRedirect(t, setup(t, c)) })
			t.Run("RewrittenNumberIsOnePerson", func(t *testing.T) { rewrites(t, setup(t, c)) })
			t.Run("WritesAddressLIDGroupsByLID", func(t *testing.T) { lidWrites(t, setup(t, c)) })
		})
	}
}

func readsRoster(t *testing.T, f *fixture) {
	ctx := context.Background()
	if err := f.client.CheckAccount(ctx); err != nil {
		t.Fatalf("CheckAccount: %v", err)
	}
	if _, err := f.client.ReadGroup(ctx, f.group); err != nil {
		t.Fatalf("ReadGroup: %v", err)
	}
	// In steady state a read costs exactly the calls the type declares, which is what the
	// account's token bucket charges for it.
	f.sim.ResetCalls()
	g, err := f.client.ReadGroup(ctx, f.group)
	if err != nil {
		t.Fatalf("ReadGroup: %v", err)
	}
	if want := max(capabilities(t, f.c.Type).ReadCalls, 1); len(f.sim.Calls()) != want {
		t.Errorf("a steady-state read made %d calls %v; Capabilities.ReadCalls says %d", len(f.sim.Calls()), f.sim.Calls(), want)
	}
	got := map[string]string{}
	for _, p := range g.Participants {
		if !p.Resolved() {
			t.Fatalf("participant %q not resolved to a number", p.RawID)
		}
		got[p.Phone.E164()] = string(p.Role)
	}
	want := f.truth(t)
	if len(got) != len(want) {
		t.Fatalf("roster %v, want %v", got, want)
	}
	for n, r := range want {
		if got[n] != r {
			t.Errorf("%s: role %q, want %q", n, got[n], r)
		}
	}
	if own := f.c.Account.Numbers[0]; g.Self != "" && g.Self != phone(own) {
		t.Errorf("Self = %s, want %s", g.Self, own)
	}
}

func eachWrite(t *testing.T, f *fixture) {
	ctx := context.Background()
	steps := []struct {
		op      roster.Op
		member  string
		present bool
		role    string
	}{
		{roster.OpAdd, newbie, true, "member"},
		{roster.OpPromote, newbie, true, "admin"},
		{roster.OpDemote, admin, true, "member"},
		{roster.OpRemove, member1, false, ""},
	}
	for _, s := range steps {
		out, err := f.client.Change(ctx, f.group, s.op, []roster.Phone{phone(s.member)})
		if err != nil {
			t.Fatalf("%s %s: %v", s.op, s.member, err)
		}
		if len(out) != 1 || out[0].Member != phone(s.member) || out[0].Result.Terminal() {
			t.Fatalf("%s %s: outcomes %+v, want one non-terminal outcome", s.op, s.member, out)
		}
		role, in := f.truth(t)[s.member]
		if in != s.present || role != s.role {
			t.Fatalf("after %s %s: present=%v role=%q, want %v %q", s.op, s.member, in, role, s.present, s.role)
		}
	}
}

func batchCap(t *testing.T, f *fixture) {
	ctx := context.Background()
	limit := capabilities(t, f.c.Type).BatchFor(roster.OpAdd)
	over := make([]roster.Phone, limit+1)
	for i := range over {
		over[i] = roster.Phone("3361235" + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10)))
	}
	f.sim.ResetCalls()
	if _, err := f.client.Change(ctx, f.group, roster.OpAdd, over); !errors.Is(err, provider.ErrInvalidRequest) {
		t.Fatalf("%d members: err %v, want ErrInvalidRequest before any call", len(over), err)
	}
	if n := len(f.sim.Calls()); n != 0 {
		t.Fatalf("an over-cap batch made %d calls", n)
	}
	out, err := f.client.Change(ctx, f.group, roster.OpAdd, over[:limit])
	if err != nil || len(out) != limit {
		t.Fatalf("a full batch of %d: %d outcomes, err %v", limit, len(out), err)
	}
	for _, m := range over[:limit] {
		if _, in := f.truth(t)[m.E164()]; !in {
			t.Errorf("%s not added by a full batch", m.E164())
		}
	}
}

func capabilities(t *testing.T, typ string) provider.Capabilities {
	t.Helper()
	_, caps, err := provider.New(typ, provider.Config{Endpoint: "http://127.0.0.1:1", Account: "+12123334444", Credential: "x:y"})
	if err != nil && caps.MaxBatch == 0 {
		t.Fatalf("capabilities of %s: %v", typ, err)
	}
	if caps.MaxBatch < 1 {
		t.Fatalf("%s: MaxBatch %d", typ, caps.MaxBatch)
	}
	return caps
}

func errorsMap(t *testing.T, f *fixture) {
	ctx := context.Background()
	_, err := f.client.ReadGroup(ctx, f.c.GroupID("WAGc0000000-0000-4000-8000-00000000dead", "120363000000000199@g.us"))
	check(t, f, "unknown group", err, provider.ErrNotFound)

	wrong := f.c.Config(f.url)
	wrong.Credential = "wrong-" + f.c.Account.APIKey[:1] + "-credential:x"
	bad, _, err := provider.New(f.c.Type, wrong)
	if err != nil {
		t.Fatal(err)
	}
	check(t, f, "wrong credential", bad.CheckAccount(ctx), provider.ErrUnauthorized)
	_, err = bad.ReadGroup(ctx, f.group)
	check(t, f, "wrong credential read", err, provider.ErrUnauthorized)

	_, err = f.client.Change(ctx, f.other, roster.OpAdd, []roster.Phone{phone(newbie)})
	want := f.c.NotAdmin
	if want == nil {
		want = provider.ErrNotAdmin
	}
	check(t, f, "write as a plain member", err, want)

	for _, fault := range []sim.Fault{{Status: http.StatusInternalServerError}, {Status: http.StatusServiceUnavailable}, {Malformed: true}} {
		f.sim.InjectFault(withTimes(fault))
		_, err = f.client.ReadGroup(ctx, f.group)
		check(t, f, "faulted read", err, provider.ErrUnavailable)
	}
}

func withTimes(f sim.Fault) sim.Fault {
	f.Times = 1
	return f
}

func check(t *testing.T, f *fixture, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err %v, want %v", what, err, want)
	}
	f.noSecret(t, err)
}

func retryAfter(t *testing.T, f *fixture) {
	ctx := context.Background()
	f.sim.InjectFault(sim.Fault{Status: http.StatusTooManyRequests, RetryAfter: "7", Times: 1})
	_, err := f.client.ReadGroup(ctx, f.group)
	if d, ok := provider.RetryAfter(err); !ok || d != 7*time.Second {
		t.Errorf("429 Retry-After 7: err %v, wait %v", err, d)
	}
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	f.sim.InjectFault(sim.Fault{Status: http.StatusTooManyRequests, RetryAfter: date, Times: 1})
	_, err = f.client.Change(ctx, f.group, roster.OpAdd, []roster.Phone{phone(newbie)})
	if d, ok := provider.RetryAfter(err); !ok || d < 80*time.Second || d > 90*time.Second {
		t.Errorf("429 Retry-After %s: err %v, wait %v", date, err, d)
	}
	if _, in := f.truth(t)[newbie]; in {
		t.Error("a refused write changed the group")
	}
}

func perMember(t *testing.T, f *fixture) {
	ctx := context.Background()
	batch := []roster.Phone{phone(newbie), phone(private), phone(notOnWA), phone(leftLate)}
	limit := capabilities(t, f.c.Type).BatchFor(roster.OpAdd)
	batch = batch[:min(len(batch), limit)]
	want := map[roster.Phone]provider.Result{
		phone(newbie): provider.ResultApplied, phone(private): provider.ResultInviteRequired,
		phone(notOnWA): provider.ResultNotOnWhatsApp, phone(leftLate): provider.ResultRecentlyLeft,
	}
	got := map[roster.Phone]provider.Result{}
	for queue := slices.Collect(slices.Chunk(batch, limit)); len(queue) > 0; {
		chunk := queue[0]
		queue = queue[1:]
		out, err := f.client.Change(ctx, f.group, roster.OpAdd, chunk)
		if errors.Is(err, provider.ErrInvalidRequest) && len(chunk) > 1 {
			// As the controller does: a batch the provider refuses as a whole goes again in halves.
			queue = append([][]roster.Phone{chunk[:len(chunk)/2], chunk[len(chunk)/2:]}, queue...)
			continue
		}
		if err != nil {
			t.Fatalf("add %v: %v", chunk, err)
		}
		for _, o := range out {
			got[o.Member] = o.Result
		}
	}
	for _, m := range batch {
		w := want[m]
		if f.c.HidesAddOutcomes && w != provider.ResultNotOnWhatsApp {
			// The provider hides the code: never claim an outcome it did not report.
			if got[m] == provider.ResultApplied && w != provider.ResultApplied {
				t.Errorf("%s: %s reported although the add failed", m.E164(), got[m])
			}
			continue
		}
		if got[m] != w && (w != provider.ResultApplied || got[m] != provider.ResultUnknown) {
			t.Errorf("%s: %s, want %s", m.E164(), got[m], w)
		}
	}
	truth := f.truth(t)
	if _, in := truth[newbie]; !in {
		t.Errorf("%s was not added alongside the failing members", newbie)
	}
	for _, m := range []string{private, notOnWA, leftLate} {
		if _, in := truth[m]; in {
			t.Errorf("%s was added although WhatsApp refuses it", m)
		}
	}
}

func replays(t *testing.T, f *fixture) {
	ctx := context.Background()
	before := f.truth(t)
	for _, s := range []struct {
		op     roster.Op
		member string
	}{{roster.OpAdd, member1}, {roster.OpPromote, admin}, {roster.OpDemote, member2}} {
		out, err := f.client.Change(ctx, f.group, s.op, []roster.Phone{phone(s.member)})
		if err != nil {
			t.Fatalf("replayed %s %s: %v", s.op, s.member, err)
		}
		if len(out) != 1 || out[0].Result.Terminal() && out[0].Result != provider.ResultRejected {
			t.Errorf("replayed %s %s: outcomes %+v", s.op, s.member, out)
		}
	}
	after := f.truth(t)
	if len(before) != len(after) {
		t.Fatalf("replays changed the roster: %v → %v", before, after)
	}
	for n, r := range before {
		if after[n] != r {
			t.Errorf("replays changed %s: %s → %s", n, r, after[n])
		}
	}
}

// ownNumber: every type learns which number its account acts as, from the configured number or a
// documented session or device read, so that Enforce can tell the account's own admin rights
// from an unlisted admin's.
func ownNumber(t *testing.T, f *fixture) {
	ctx := context.Background()
	own := phone(f.c.Account.Numbers[0])
	if err := f.client.CheckAccount(ctx); err != nil {
		t.Fatalf("CheckAccount: %v", err)
	}
	id, ok := f.client.(provider.Identity)
	if !ok {
		t.Fatalf("%T does not implement provider.Identity", f.client)
	}
	if got := id.OwnNumber(); got != own {
		t.Errorf("OwnNumber() = %q after CheckAccount, want %s", got, own)
	}
	g, err := f.client.ReadGroup(ctx, f.group)
	if err != nil {
		t.Fatal(err)
	}
	if g.Self != own {
		t.Errorf("ReadGroup Self = %q, want %s", g.Self, own)
	}
}

// callsEqualTokens: the account's budget sees every HTTP call the client makes, reads, lookups,
// probes and writes alike.
func callsEqualTokens(t *testing.T, f *fixture) {
	ctx := context.Background()
	if err := f.client.CheckAccount(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := f.client.ReadGroup(ctx, f.group); err != nil {
			t.Fatal(err)
		}
		if _, err := f.client.ReadGroup(ctx, f.lids); err != nil {
			t.Fatal(err)
		}
	}
	for _, op := range []roster.Op{roster.OpAdd, roster.OpPromote, roster.OpDemote, roster.OpRemove} {
		if _, err := f.client.Change(ctx, f.group, op, []roster.Phone{phone(newbie)}); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}
	if calls, tokens := len(f.sim.Calls()), f.tokens.Load(); int64(calls) != tokens {
		t.Errorf("the client made %d HTTP calls %v and took %d tokens; every call must take one", calls, ops(f.sim.Calls()), tokens)
	}
}

func ops(calls []sim.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Op
	}
	return out
}

// noRedirect: a redirect to another host is refused, so the credential never reaches it.
func noRedirect(t *testing.T, f *fixture) {
	ctx := context.Background()
	reached := 0
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached++ }))
	t.Cleanup(elsewhere.Close)
	f.sim.InjectFault(sim.Fault{RedirectTo: elsewhere.URL})
	err := f.client.CheckAccount(ctx)
	check(t, f, "check redirected to another host", err, provider.ErrUnavailable)
	_, err = f.client.ReadGroup(ctx, f.group)
	check(t, f, "read redirected to another host", err, provider.ErrUnavailable)
	_, err = f.client.Change(ctx, f.group, roster.OpAdd, []roster.Phone{phone(newbie)})
	check(t, f, "write redirected to another host", err, provider.ErrUnavailable)
	if reached != 0 {
		t.Errorf("the other host received %d requests", reached)
	}
}

// rewrites: a member WhatsApp lists without Brazil's ninth digit is the member declared with it:
// present (under roster.Canonical), and a write naming the declared form reaches them.
func rewrites(t *testing.T, f *fixture) {
	ctx := context.Background()
	declared := phone(brDeclared)
	g, err := f.client.ReadGroup(ctx, f.rewrites)
	if err != nil {
		t.Fatal(err)
	}
	if _, in := g.Recognise([]roster.Phone{declared}, roster.Canonical).Index()[declared]; !in {
		t.Fatalf("%s not present as %s in %+v", brShort, brDeclared, g.Participants)
	}
	out, err := f.client.Change(ctx, f.rewrites, roster.OpPromote, []roster.Phone{declared})
	if err != nil || len(out) != 1 || out[0].Result.Terminal() {
		t.Fatalf("promote %s: %+v, %v", brDeclared, out, err)
	}
	truth := simtest.Roles(t, f.sim, "120363000000000104@g.us")
	if truth[brShort] != "admin" || len(truth) != 3 {
		t.Errorf("after promoting %s: %v, want %s admin and nobody new", brDeclared, truth, brShort)
	}
}

// lidWrites: in a LID-addressed group, where engines drop writes that name a member by phone,
// a promote reaches the member when the API accepts @lid targets; where it does not, the
// client never claims it was applied.
func lidWrites(t *testing.T, f *fixture) {
	ctx := context.Background()
	m := phone(lidMember)
	g, err := f.client.ReadGroup(ctx, f.lids)
	if err != nil {
		t.Fatal(err)
	}
	if _, in := g.Index()[m]; !in {
		t.Fatalf("%s not resolved in the LID-addressed group: %+v", lidMember, g.Participants)
	}
	out, err := f.client.Change(ctx, f.lids, roster.OpPromote, []roster.Phone{m})
	if err != nil || len(out) != 1 {
		t.Fatalf("promote %s: %+v, %v", lidMember, out, err)
	}
	role := simtest.Roles(t, f.sim, "120363000000000103@g.us")[lidMember]
	switch {
	case f.c.LIDWrites && role != "admin":
		t.Errorf("promote by LID in a LID-addressed group: %s is %q, want admin (outcome %+v)", lidMember, role, out[0])
	case !f.c.LIDWrites && role != "admin" && out[0].Result == provider.ResultApplied:
		t.Errorf("promote claimed Applied but %s is %q", lidMember, role)
	}
}
