// The Wasend client's tests: golden requests and responses from Wasend's documented example
// and shapes (testdata/README.md says where each fixture comes from), then the client against
// wagov-sim's Wasend dialect, under both of its path sets, for detection, roles, per-member
// outcomes, whole-call errors and rate limits. Every error is checked for the API key.

package wasend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/wasend"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	wasendsim "github.com/wagov/wagov/internal/sim/wasend"
)

// The accounts and groups of testdata/world.yaml.
const (
	apiKey    = "ws-client-key-5c2e91"
	wrongKey  = "ws-client-key-wrong-0b3a"
	session   = "ses_01J0ACME"
	lonelyKey = "ws-client-key-lonely-7d10" // session ses_01J0LONELY is in no group

	nyc         = "120363042000000001@g.us" // the session's number is an admin; maxSize 7
	membersOnly = "120363042000000002@g.us" // the session's number is a plain member
	lidGroup    = "120363042000000003@g.us" // LID-addressed; the session's number created it
)

var (
	creator      = roster.MustNormalize("+12125550199")
	self         = roster.MustNormalize("+12123334444")
	member       = roster.MustNormalize("+447700900002")
	member3      = roster.MustNormalize("+447700900003")
	admin        = roster.MustNormalize("+447700900004")
	lidPerson    = roster.MustNormalize("+447700900005")
	private      = roster.MustNormalize("+447700900001")
	unregistered = roster.MustNormalize("+15550000000")
	recentlyLeft = roster.MustNormalize("+17137150000")
	stranger     = roster.MustNormalize("+447700176576")
	stranger2    = roster.MustNormalize("+17137157533")

	// The promote page's example participants; the second is no valid number, so it is used as is.
	docA = roster.Phone("1234567890")
	docB = roster.Phone("0987654321")
)

func newClient(t *testing.T, endpoint, account, key string) provider.Client {
	t.Helper()
	c, err := wasend.New(provider.Config{Endpoint: endpoint, Account: account, Credential: key})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func describe(c provider.Client) string { return c.(provider.Describer).Describe() }

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// assertFailed checks that err wraps want and names no credential.
func assertFailed(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want one wrapping %q", err, want)
	}
	for _, key := range []string{apiKey, wrongKey} {
		if strings.Contains(err.Error(), key) {
			t.Errorf("error leaks the API key: %v", err)
		}
	}
}

// --- Golden requests and responses from Wasend's documentation ---

// request is what the golden server saw.
type request struct {
	method, path, query, auth, contentType string
	body                                   []byte
}

// goldenServer answers GETs with reads and everything else with writes, and records what it saw.
func goldenServer(t *testing.T, reads, writes []byte) (string, func() []request) {
	t.Helper()
	var mu sync.Mutex
	var seen []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, request{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), b})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			_, _ = w.Write(reads)
			return
		}
		_, _ = w.Write(writes)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []request {
		mu.Lock()
		defer mu.Unlock()
		return append([]request{}, seen...)
	}
}

// The docs' placeholders, as their cURL examples write them.
const docSession, docGroup = "YOUR_SESSION_ID", "YOUR_GROUP_ID"

func TestDocumentedWrites(t *testing.T) {
	base := "/" + docSession + "/groups/" + docGroup
	tests := []struct {
		op           roster.Op
		response     string
		method, path string
		want         []provider.Outcome
	}{
		{roster.OpPromote, "promote_response.json", http.MethodPost, base + "/participants/promote", []provider.Outcome{
			{Member: docA, Result: provider.ResultApplied}, {Member: docB, Result: provider.ResultApplied},
		}},
		{roster.OpAdd, "add_response.json", http.MethodPost, base + "/participants/add", []provider.Outcome{
			{Member: docA, Result: provider.ResultApplied, Message: "SUCCESS"},
			{Member: docB, Result: provider.ResultNotOnWhatsApp, Message: "NOT_FOUND"},
		}},
		{roster.OpRemove, "remove_response.json", http.MethodDelete, base + "/participants", []provider.Outcome{
			{Member: docA, Result: provider.ResultApplied},
			{Member: docB, Result: provider.ResultUnknown, Message: "Removed 1 of 2 participants."},
		}},
		{roster.OpDemote, "demote_response.json", http.MethodPost, base + "/participants/demote", []provider.Outcome{
			{Member: docA, Result: provider.ResultApplied, Message: "SUCCESS"},
			{Member: docB, Result: provider.ResultUnchanged, Message: "NOT_ADMIN"},
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.op), func(t *testing.T) {
			endpoint, seen := goldenServer(t, []byte(`{"success":true}`), fixture(t, tt.response))
			c := newClient(t, endpoint, docSession, apiKey)

			got, err := c.Change(context.Background(), docGroup, tt.op, []roster.Phone{docA, docB})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("outcomes %+v, want %+v", got, tt.want)
			}
			calls := seen()
			if tt.op != roster.OpAdd {
				// The first remove, promote or demote learns the server's paths with a read.
				if len(calls) != 2 || calls[0].method != http.MethodGet || calls[0].path != base+"/info" {
					t.Fatalf("calls %+v, want the website's group info read, then the write", calls)
				}
				calls = calls[1:]
			}
			w := calls[0]
			if w.method != tt.method || w.path != tt.path || w.query != "" {
				t.Errorf("request %s %s?%s, want %s %s", w.method, w.path, w.query, tt.method, tt.path)
			}
			if w.auth != "Bearer "+apiKey || w.contentType != "application/json" {
				t.Errorf("Authorization %q, Content-Type %q", w.auth, w.contentType)
			}
			if want := compact(t, fixture(t, "promote_request.json")); !bytes.Equal(w.body, want) {
				t.Errorf("body\n%s\nwant\n%s", w.body, want)
			}
		})
	}
}

func TestDocumentedParticipants(t *testing.T) {
	envelope := fixture(t, "participants_response.json")
	var shape struct {
		Participants json.RawMessage `json:"participants"`
	}
	if err := json.Unmarshal(envelope, &shape); err != nil {
		t.Fatal(err)
	}
	want := roster.Group{ID: docGroup, Participants: []roster.Participant{
		{Phone: docA, RawID: "1234567890@c.us", Role: roster.RoleSuperAdmin},
		{Phone: "12125550100", RawID: "12125550100@c.us", Role: roster.RoleAdmin},
		{Phone: lidPerson, RawID: "99887766554433@lid", Role: roster.RoleMember},
		{RawID: "11223344556677@lid", Role: roster.RoleMember},
	}}
	for name, body := range map[string][]byte{"website envelope": envelope, "SDK array": shape.Participants} {
		t.Run(name, func(t *testing.T) {
			endpoint, seen := goldenServer(t, body, nil)
			got, err := newClient(t, endpoint, docSession, apiKey).ReadGroup(context.Background(), docGroup)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("group\n%+v\nwant\n%+v", got, want)
			}
			r := seen()[0]
			if r.method != http.MethodGet || r.path != "/"+docSession+"/groups/"+docGroup+"/participants" || len(r.body) != 0 {
				t.Errorf("request %+v", r)
			}
		})
	}
}

// TestProviderEchoesKey covers a provider that repeats the key in its error text: the client
// passes the provider's words on, but never the key.
func TestProviderEchoesKey(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   error
	}{
		{"401", http.StatusUnauthorized, provider.ErrUnauthorized},
		{"403", http.StatusForbidden, provider.ErrNotAdmin},
		{"422", http.StatusUnprocessableEntity, provider.ErrUnavailable},
		{"200 with success false", http.StatusOK, provider.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"success":false,"error":"key %s may not do this"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			}))
			t.Cleanup(srv.Close)

			_, err := newClient(t, srv.URL, session, apiKey).Change(context.Background(), nyc, roster.OpAdd, []roster.Phone{stranger})
			assertFailed(t, err, tt.want)
			if !strings.Contains(err.Error(), "may not do this") {
				t.Errorf("error %v lost the provider's message", err)
			}
		})
	}
}

// --- Against wagov-sim ---

// startSim serves testdata/world.yaml and returns the simulator and its base URL.
func startSim(t *testing.T) (*sim.Sim, string) {
	t.Helper()
	seed, err := sim.ParseSeed(fixture(t, "world.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(seed)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// mounts are the simulator's two Wasend servers: one answering the website docs' paths, one
// the SDK's.
var mounts = []string{wasendsim.WebsiteMount, wasendsim.SDKMount}

// roles returns the group's true participants by phone, as the simulator holds them.
func roles(t *testing.T, s *sim.Sim, groupID string) map[roster.Phone]roster.Role {
	t.Helper()
	g, ok := s.Group(groupID)
	if !ok {
		t.Fatalf("group %s missing", groupID)
	}
	out := map[roster.Phone]roster.Role{}
	for _, m := range g.Participants {
		out[roster.MustNormalize(m.Phone)] = roster.Role(m.Role)
	}
	return out
}

// trail lists the calls the simulator saw as "OP METHOD path-after-the-session".
func trail(s *sim.Sim, mount string) []string {
	var out []string
	for _, c := range s.Calls() {
		out = append(out, c.Op+" "+c.Method+" "+strings.TrimPrefix(c.Path, mount+"/"+session))
	}
	return out
}

func TestReadGroup(t *testing.T) {
	for _, mount := range mounts {
		t.Run(mount, func(t *testing.T) {
			_, endpoint := startSim(t)
			c := newClient(t, endpoint+mount, session, apiKey)

			got, err := c.ReadGroup(context.Background(), nyc)
			if err != nil {
				t.Fatal(err)
			}
			want := roster.Group{ID: nyc, Participants: []roster.Participant{
				{Phone: creator, RawID: "12125550199@c.us", Role: roster.RoleSuperAdmin},
				{Phone: self, RawID: "12123334444@c.us", Role: roster.RoleAdmin},
				{Phone: member, RawID: "447700900002@c.us", Role: roster.RoleMember},
				{Phone: admin, RawID: "447700900004@c.us", Role: roster.RoleAdmin},
				{Phone: member3, RawID: "447700900003@c.us", Role: roster.RoleMember},
			}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("group\n%+v\nwant\n%+v", got, want)
			}

			got, err = c.ReadGroup(context.Background(), lidGroup)
			if err != nil {
				t.Fatal(err)
			}
			if p := got.Participants[1]; p.Phone != lidPerson || p.RawID != "99887766554433@lid" || p.Role != roster.RoleAdmin {
				t.Errorf("LID participant %+v, want %s known by its phone attribute", p, lidPerson.E164())
			}
		})
	}
}

func TestCheckAccountLearnsThePaths(t *testing.T) {
	tests := []struct {
		name, mount, key, session string
		describes                 string
		trail                     []string
	}{
		{"website docs' server", wasendsim.WebsiteMount, apiKey, session, "website docs", []string{
			"list GET /groups", "read GET /groups/" + nyc + "/info",
		}},
		{"SDK's server", wasendsim.SDKMount, apiKey, session, "SDK", []string{
			"list GET /groups", "unknown GET /groups/" + nyc + "/info", "read GET /groups/" + nyc,
		}},
		{"session in no group", wasendsim.WebsiteMount, lonelyKey, "ses_01J0LONELY", "not known yet", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			c := newClient(t, endpoint+tt.mount, tt.session, tt.key)
			if err := c.CheckAccount(context.Background()); err != nil {
				t.Fatal(err)
			}
			if d := describe(c); !strings.Contains(d, tt.describes) {
				t.Errorf("Describe() = %q, want it to mention %q", d, tt.describes)
			}
			if tt.trail != nil {
				if got := trail(s, tt.mount); !reflect.DeepEqual(got, tt.trail) {
					t.Errorf("calls %q, want %q", got, tt.trail)
				}
			}
		})
	}
}

// TestWritesLearnThePaths: a client that never ran CheckAccount (the controller builds one per
// sync) learns the paths with its first remove, promote or demote, once.
func TestWritesLearnThePaths(t *testing.T) {
	s, endpoint := startSim(t)
	c := newClient(t, endpoint+wasendsim.SDKMount, session, apiKey)
	ctx := context.Background()
	if _, err := c.Change(ctx, nyc, roster.OpAdd, []roster.Phone{stranger}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Change(ctx, nyc, roster.OpPromote, []roster.Phone{member}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Change(ctx, nyc, roster.OpDemote, []roster.Phone{admin}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"add POST /groups/" + nyc + "/participants/add",
		"unknown GET /groups/" + nyc + "/info",
		"read GET /groups/" + nyc,
		"promote POST /groups/" + nyc + "/admin/promote",
		"demote POST /groups/" + nyc + "/admin/demote",
	}
	if got := trail(s, wasendsim.SDKMount); !reflect.DeepEqual(got, want) {
		t.Errorf("calls\n%q\nwant\n%q", got, want)
	}
	if d := describe(c); !strings.Contains(d, "SDK") {
		t.Errorf("Describe() = %q", d)
	}
	if r := roles(t, s, nyc); r[member] != roster.RoleAdmin || r[admin] != roster.RoleMember || r[stranger] != roster.RoleMember {
		t.Errorf("group now %v", r)
	}
}

func TestChangeUpdatesSim(t *testing.T) {
	tests := []struct {
		name    string
		op      roster.Op
		member  roster.Phone
		website provider.Result // the answer of the website docs' server
		roleNow roster.Role     // "" means not a participant
	}{
		{"add", roster.OpAdd, stranger, provider.ResultApplied, roster.RoleMember},
		{"remove", roster.OpRemove, member, provider.ResultApplied, ""},
		{"promote", roster.OpPromote, member, provider.ResultApplied, roster.RoleAdmin},
		{"demote", roster.OpDemote, admin, provider.ResultApplied, roster.RoleMember},
		{"demote a member", roster.OpDemote, member, provider.ResultUnchanged, roster.RoleMember},
		{"demote the creator", roster.OpDemote, creator, provider.ResultRejected, roster.RoleSuperAdmin},
		{"remove a non-member", roster.OpRemove, stranger, provider.ResultUnknown, ""},
	}
	for _, mount := range mounts {
		for _, tt := range tests {
			t.Run(mount+"/"+tt.name, func(t *testing.T) {
				s, endpoint := startSim(t)
				before := roles(t, s, nyc)

				got, err := newClient(t, endpoint+mount, session, apiKey).Change(context.Background(), nyc, tt.op, []roster.Phone{tt.member})
				if err != nil {
					t.Fatal(err)
				}
				want := tt.website
				if mount == wasendsim.SDKMount && tt.op != roster.OpAdd {
					want = provider.ResultUnknown // the SDK's remove, promote and demote answer no member
				}
				if len(got) != 1 || got[0].Member != tt.member || got[0].Result != want {
					t.Errorf("outcomes %+v, want %s", got, want)
				}
				after := roles(t, s, nyc)
				if r := after[tt.member]; r != tt.roleNow {
					t.Errorf("role of %s now %q, want %q", tt.member.E164(), r, tt.roleNow)
				}
				delete(before, tt.member)
				delete(after, tt.member)
				if !reflect.DeepEqual(before, after) {
					t.Errorf("others changed: before %v, after %v", before, after)
				}
			})
		}
	}
}

// TestAddOutcomes adds one number of each kind in one call, then fills the group.
func TestAddOutcomes(t *testing.T) {
	tests := []struct {
		member roster.Phone
		want   provider.Result
	}{
		{stranger, provider.ResultApplied},
		{member, provider.ResultUnchanged},
		{private, provider.ResultInviteRequired},
		{unregistered, provider.ResultNotOnWhatsApp},
		{recentlyLeft, provider.ResultRecentlyLeft},
	}
	s, endpoint := startSim(t)
	c := newClient(t, endpoint+wasendsim.WebsiteMount, session, apiKey)
	members := make([]roster.Phone, len(tests))
	for i, tt := range tests {
		members[i] = tt.member
	}
	got, err := c.Change(context.Background(), nyc, roster.OpAdd, members)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tests) {
		t.Fatalf("%d outcomes for %d members", len(got), len(tests))
	}
	for i, tt := range tests {
		if o := got[i]; o.Member != tt.member || o.Result != tt.want {
			t.Errorf("outcome %+v, want %s → %s", o, tt.member.E164(), tt.want)
		}
	}

	// Six of seven seats are taken now.
	got, err = c.Change(context.Background(), nyc, roster.OpAdd, []roster.Phone{stranger2, roster.MustNormalize("+33612340009")})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Result != provider.ResultApplied || got[1].Result != provider.ResultGroupFull {
		t.Errorf("outcomes %+v, want Applied then GroupFull", got)
	}
	if n := len(roles(t, s, nyc)); n != 7 {
		t.Errorf("group has %d participants, want 7", n)
	}
}

// TestPromoteOfAnAdmin: Wasend answers 422 when nobody in a promote can be promoted; that is
// an answer about the members, not a failed call.
func TestPromoteOfAnAdmin(t *testing.T) {
	for _, mount := range mounts {
		t.Run(mount, func(t *testing.T) {
			s, endpoint := startSim(t)
			before := roles(t, s, nyc)
			got, err := newClient(t, endpoint+mount, session, apiKey).Change(context.Background(), nyc, roster.OpPromote, []roster.Phone{admin})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Result != provider.ResultUnknown || !strings.Contains(got[0].Message, "already admins") {
				t.Errorf("outcomes %+v, want Unknown with Wasend's reason", got)
			}
			if after := roles(t, s, nyc); !reflect.DeepEqual(after, before) {
				t.Errorf("group changed: %v → %v", before, after)
			}
		})
	}
}

func TestBatchSizeRefusedBeforeCalling(t *testing.T) {
	six := make([]roster.Phone, wasend.MaxBatch+1)
	for i := range six {
		six[i] = roster.MustNormalize(fmt.Sprintf("+4477009100%02d", i))
	}
	for _, members := range [][]roster.Phone{six, nil} {
		for _, op := range []roster.Op{roster.OpAdd, roster.OpRemove, roster.OpPromote, roster.OpDemote} {
			t.Run(fmt.Sprintf("%s %d", op, len(members)), func(t *testing.T) {
				s, endpoint := startSim(t)
				_, err := newClient(t, endpoint+wasendsim.WebsiteMount, session, apiKey).Change(context.Background(), nyc, op, members)
				assertFailed(t, err, provider.ErrInvalidRequest)
				if calls := s.Calls(); len(calls) != 0 {
					t.Errorf("the client called the provider: %+v", calls)
				}
			})
		}
	}
}

// call is one client method call, for tables of whole-call failures.
type call func(context.Context, provider.Client) error

func read(group string) call {
	return func(ctx context.Context, c provider.Client) error {
		_, err := c.ReadGroup(ctx, group)
		return err
	}
}

func change(op roster.Op, group string, members ...roster.Phone) call {
	return func(ctx context.Context, c provider.Client) error {
		_, err := c.Change(ctx, group, op, members)
		return err
	}
}

func check(ctx context.Context, c provider.Client) error { return c.CheckAccount(ctx) }

func TestWholeCallErrors(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		session string
		fault   *sim.Fault
		call    call
		want    error
	}{
		{"add as a non-admin", apiKey, session, nil, change(roster.OpAdd, membersOnly, stranger), provider.ErrNotAdmin},
		{"promote as a non-admin", apiKey, session, nil, change(roster.OpPromote, membersOnly, creator), provider.ErrNotAdmin},
		{"read an unknown group", apiKey, session, nil, read("120363042000000099@g.us"), provider.ErrNotFound},
		{"add to an unknown group", apiKey, session, nil, change(roster.OpAdd, "120363042000000099@g.us", stranger), provider.ErrNotFound},
		{"demote in an unknown group", apiKey, session, nil, change(roster.OpDemote, "120363042000000099@g.us", admin), provider.ErrNotFound},
		{"read a group id that is no JID", apiKey, session, nil, read("WAG45b0f301-9203-4660-8b57-b51a6c2742a5"), provider.ErrInvalidRequest},
		{"read with a wrong key", wrongKey, session, nil, read(nyc), provider.ErrUnauthorized},
		{"check with a wrong key", wrongKey, session, nil, check, provider.ErrUnauthorized},
		{"add with a wrong key", wrongKey, session, nil, change(roster.OpAdd, nyc, stranger), provider.ErrUnauthorized},
		{"check another session", apiKey, "ses_01J0OTHER", nil, check, provider.ErrNotFound},
		{"read answered 500", apiKey, session, &sim.Fault{Status: 500}, read(nyc), provider.ErrUnavailable},
		{"read answered 422", apiKey, session, &sim.Fault{Status: 422}, read(nyc), provider.ErrUnavailable},
		{"remove answered 503", apiKey, session, &sim.Fault{Op: sim.OpRemove, Status: 503}, change(roster.OpRemove, nyc, member), provider.ErrUnavailable},
		{"read answered malformed", apiKey, session, &sim.Fault{Malformed: true}, read(nyc), provider.ErrUnavailable},
		{"add answered malformed", apiKey, session, &sim.Fault{Malformed: true}, change(roster.OpAdd, nyc, stranger), provider.ErrUnavailable},
		{"check answered malformed", apiKey, session, &sim.Fault{Malformed: true}, check, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			c := newClient(t, endpoint+wasendsim.WebsiteMount, tt.session, tt.key)
			assertFailed(t, tt.call(context.Background(), c), tt.want)
		})
	}
}

func TestRateLimited(t *testing.T) {
	inNinety := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		retryAfter string
		min, max   time.Duration
	}{
		{"seconds", "7", 7 * time.Second, 7 * time.Second},
		// An HTTP-date has whole seconds and is read a moment after it was written.
		{"HTTP-date", inNinety, 85 * time.Second, 90 * time.Second},
		{"absent", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			before := roles(t, s, nyc)
			s.InjectFault(sim.Fault{Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter})

			_, err := newClient(t, endpoint+wasendsim.WebsiteMount, session, apiKey).Change(context.Background(), nyc, roster.OpAdd, []roster.Phone{stranger})
			assertFailed(t, err, provider.ErrRateLimited)
			if d, _ := provider.RetryAfter(err); d < tt.min || d > tt.max {
				t.Errorf("retry after %s, want %s to %s", d, tt.min, tt.max)
			}
			if after := roles(t, s, nyc); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused add changed the group: %v, was %v", after, before)
			}
		})
	}
}

func TestNewRefusesAnEmptySessionOrKey(t *testing.T) {
	if _, err := wasend.New(provider.Config{Endpoint: "https://api.wasend.dev", Credential: apiKey}); !errors.Is(err, provider.ErrInvalidRequest) {
		t.Errorf("no session: err %v", err)
	}
	if _, err := wasend.New(provider.Config{Endpoint: "https://api.wasend.dev", Account: session}); !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("no key: err %v", err)
	}
}
