// The 2Chat client's tests: golden requests and responses from 2Chat's documented examples
// (testdata/README.md says where each fixture comes from), then the client against wagov-sim's
// 2Chat dialect for roles, per-member outcomes, whole-call errors and rate limits. Every error
// is checked for the API key.

package twochat_test

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
	"testing"
	"time"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/twochat"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/twochat"
)

const (
	apiKey   = "tc-test-key-8e41d07c" // the key of testdata/world.yaml
	wrongKey = "tc-wrong-key-3b9f52aa"
	from     = "+12123334444" // the documented from_number, connected to apiKey

	docGroup    = "WAG45b0f301-9203-4660-8b57-b51a6c2742a5" // the documented group; from is an admin
	memberGroup = "WAG00000000-0000-4000-8000-000000000003" // from is only a member
	fullGroup   = "WAG00000000-0000-4000-8000-000000000004" // one seat left; from created it
)

// The documented participants, and the seed's people with traits (testdata/world.yaml).
var (
	docA         = roster.MustNormalize("+447700176576")
	docB         = roster.MustNormalize("+17137157533")
	creator      = roster.MustNormalize("+12125550199")
	self         = roster.MustNormalize(from)
	member       = roster.MustNormalize("+447700900002")
	admin        = roster.MustNormalize("+447700900004")
	private      = roster.MustNormalize("+447700900001")
	unregistered = roster.MustNormalize("+15550000000")
	recentlyLeft = roster.MustNormalize("+17137150000")
)

func newClient(t *testing.T, endpoint, account, key string) provider.Client {
	t.Helper()
	c, err := twochat.New(provider.Config{Endpoint: endpoint, Account: account, Credential: key})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
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

// --- Golden requests and responses from 2Chat's documentation ---

// request is what the golden server saw.
type request struct {
	method, path, query, key, contentType string
	body                                  []byte
}

// goldenServer answers every request with 200 and body, and passes the request it saw on.
func goldenServer(t *testing.T, body []byte) (string, <-chan request) {
	t.Helper()
	seen := make(chan request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen <- request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-User-API-Key"), r.Header.Get("Content-Type"), b}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, seen
}

// assertDocumentedRequest checks a write against the documented cURL example of op.
func assertDocumentedRequest(t *testing.T, got request, op string) {
	t.Helper()
	var want bytes.Buffer
	if err := json.Compact(&want, fixture(t, "change_request.json")); err != nil {
		t.Fatal(err)
	}
	wantPath := "/open/whatsapp/group/" + docGroup + "/" + op + "-participant"
	if got.method != http.MethodPost || got.path != wantPath || got.query != "" {
		t.Errorf("request %s %s?%s, want POST %s", got.method, got.path, got.query, wantPath)
	}
	if got.key != apiKey {
		t.Errorf("X-User-API-Key %q, want %q", got.key, apiKey)
	}
	if got.contentType != "application/json" {
		t.Errorf("Content-Type %q, want application/json", got.contentType)
	}
	if !bytes.Equal(got.body, want.Bytes()) {
		t.Errorf("body\n%s\nwant\n%s", got.body, want.Bytes())
	}
}

func TestDocumentedAdd(t *testing.T) {
	endpoint, seen := goldenServer(t, fixture(t, "add_response.json"))
	c := newClient(t, endpoint, from, apiKey)

	got, err := c.Change(context.Background(), docGroup, roster.OpAdd, []roster.Phone{docA, docB})
	if err != nil {
		t.Fatal(err)
	}
	assertDocumentedRequest(t, <-seen, "add")
	const msg = "The participant was added successfully"
	want := []provider.Outcome{
		{Member: docA, Result: provider.ResultApplied, Code: 200, Message: msg},
		{Member: docB, Result: provider.ResultApplied, Code: 200, Message: msg},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outcomes %+v, want %+v", got, want)
	}
}

func TestDocumentedPromote(t *testing.T) {
	t.Run("verbatim response is not JSON", func(t *testing.T) {
		endpoint, seen := goldenServer(t, fixture(t, "promote_response.txt"))
		c := newClient(t, endpoint, from, apiKey)

		got, err := c.Change(context.Background(), docGroup, roster.OpPromote, []roster.Phone{docA, docB})
		assertDocumentedRequest(t, <-seen, "promote")
		assertFailed(t, err, provider.ErrUnavailable)
		if got != nil {
			t.Errorf("outcomes %+v with an error", got)
		}
	})
	t.Run("corrected response names no member", func(t *testing.T) {
		endpoint, seen := goldenServer(t, fixture(t, "promote_response_corrected.json"))
		c := newClient(t, endpoint, from, apiKey)

		got, err := c.Change(context.Background(), docGroup, roster.OpPromote, []roster.Phone{docA, docB})
		if err != nil {
			t.Fatal(err)
		}
		assertDocumentedRequest(t, <-seen, "promote")
		want := []provider.Outcome{
			{Member: docA, Result: provider.ResultUnknown},
			{Member: docB, Result: provider.ResultUnknown},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("outcomes %+v, want %+v (a bare statusCode 200 is no proof of a change)", got, want)
		}
	})
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
		{"403 on a write", http.StatusForbidden, provider.ErrNotAdmin},
		{"200 with success false", http.StatusOK, provider.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"success":false,"error":"key %s may not do this"}`, r.Header.Get("X-User-API-Key"))
			}))
			t.Cleanup(srv.Close)
			c := newClient(t, srv.URL, from, apiKey)

			_, err := c.Change(context.Background(), docGroup, roster.OpAdd, []roster.Phone{docA})
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

func TestReadGroup(t *testing.T) {
	_, endpoint := startSim(t)
	c := newClient(t, endpoint, from, apiKey)

	got, err := c.ReadGroup(context.Background(), docGroup)
	if err != nil {
		t.Fatal(err)
	}
	want := roster.Group{ID: docGroup, Name: "Field agents NYC", Self: self, Participants: []roster.Participant{
		{Phone: creator, RawID: "12125550199@c.us", Role: roster.RoleSuperAdmin},
		{Phone: self, RawID: "12123334444@c.us", Role: roster.RoleAdmin},
		{Phone: member, RawID: "447700900002@c.us", Role: roster.RoleMember},
		{Phone: admin, RawID: "447700900004@c.us", Role: roster.RoleAdmin},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("group\n%+v\nwant\n%+v", got, want)
	}
}

func TestCheckAccount(t *testing.T) {
	tests := []struct {
		name, account, key string
		want               error // nil: success
	}{
		{"connected number", from, apiKey, nil},
		{"number not on the key", "+12125550100", apiKey, provider.ErrNotFound},
		{"wrong key", from, wrongKey, provider.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, endpoint := startSim(t)
			err := newClient(t, endpoint, tt.account, tt.key).CheckAccount(context.Background())
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertFailed(t, err, tt.want)
		})
	}
}

func TestChangeUpdatesSim(t *testing.T) {
	tests := []struct {
		name    string
		op      roster.Op
		members []roster.Phone
		want    []provider.Result
		roleNow roster.Role // of members[0]; "" means not a participant
	}{
		{"add", roster.OpAdd, []roster.Phone{docA}, []provider.Result{provider.ResultApplied}, roster.RoleMember},
		{"remove", roster.OpRemove, []roster.Phone{member}, []provider.Result{provider.ResultApplied}, ""},
		{"promote", roster.OpPromote, []roster.Phone{member}, []provider.Result{provider.ResultApplied}, roster.RoleAdmin},
		{"demote", roster.OpDemote, []roster.Phone{admin}, []provider.Result{provider.ResultApplied}, roster.RoleMember},
		{"demote the creator", roster.OpDemote, []roster.Phone{creator}, []provider.Result{provider.ResultRejected}, roster.RoleSuperAdmin},
		{"remove a non-member", roster.OpRemove, []roster.Phone{docB}, []provider.Result{provider.ResultRejected}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			before := roles(t, s, docGroup)

			got, err := newClient(t, endpoint, from, apiKey).Change(context.Background(), docGroup, tt.op, tt.members)
			if err != nil {
				t.Fatal(err)
			}
			if results := resultsOf(got); !reflect.DeepEqual(results, tt.want) {
				t.Errorf("results %v, want %v", results, tt.want)
			}
			after := roles(t, s, docGroup)
			if r := after[tt.members[0]]; r != tt.roleNow {
				t.Errorf("role of %s now %q, want %q", tt.members[0].E164(), r, tt.roleNow)
			}
			delete(before, tt.members[0])
			delete(after, tt.members[0])
			if !reflect.DeepEqual(before, after) {
				t.Errorf("others changed: before %v, after %v", before, after)
			}
		})
	}
}

func resultsOf(outcomes []provider.Outcome) []provider.Result {
	out := make([]provider.Result, len(outcomes))
	for i, o := range outcomes {
		out[i] = o.Result
	}
	return out
}

// TestAddOutcomes adds one number of each kind to the group with one seat left, in one call.
func TestAddOutcomes(t *testing.T) {
	tests := []struct {
		member roster.Phone
		code   int
		want   provider.Result
	}{
		{docA, 200, provider.ResultApplied}, // takes the last seat
		{member, 409, provider.ResultUnchanged},
		{private, 403, provider.ResultInviteRequired},
		{unregistered, 404, provider.ResultNotOnWhatsApp},
		{recentlyLeft, 408, provider.ResultRecentlyLeft},
		{docB, 419, provider.ResultGroupFull},
	}
	s, endpoint := startSim(t)
	members := make([]roster.Phone, len(tests))
	for i, tt := range tests {
		members[i] = tt.member
	}

	got, err := newClient(t, endpoint, from, apiKey).Change(context.Background(), fullGroup, roster.OpAdd, members)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tests) {
		t.Fatalf("%d outcomes for %d members", len(got), len(tests))
	}
	for i, tt := range tests {
		o := got[i]
		if o.Member != tt.member || o.Code != tt.code || o.Result != tt.want {
			t.Errorf("outcome %+v, want %s code %d → %s", o, tt.member.E164(), tt.code, tt.want)
		}
	}
	if !strings.Contains(got[2].Message, "invite") {
		t.Errorf("privacy outcome message %q does not mention the invite", got[2].Message)
	}
	want := map[roster.Phone]roster.Role{
		self: roster.RoleSuperAdmin, member: roster.RoleMember,
		roster.MustNormalize("+447700900003"): roster.RoleMember, docA: roster.RoleMember,
	}
	if now := roles(t, s, fullGroup); !reflect.DeepEqual(now, want) {
		t.Errorf("group now %v, want %v", now, want)
	}
}

func TestAddReplayIsUnchanged(t *testing.T) {
	s, endpoint := startSim(t)
	c := newClient(t, endpoint, from, apiKey)
	add := func() provider.Outcome {
		t.Helper()
		got, err := c.Change(context.Background(), docGroup, roster.OpAdd, []roster.Phone{docA})
		if err != nil {
			t.Fatal(err)
		}
		return got[0]
	}

	if o := add(); o.Result != provider.ResultApplied {
		t.Fatalf("first add %+v, want Applied", o)
	}
	once := roles(t, s, docGroup)
	if o := add(); o.Result != provider.ResultUnchanged || o.Code != 409 {
		t.Errorf("replayed add %+v, want Unchanged with code 409", o)
	}
	if twice := roles(t, s, docGroup); !reflect.DeepEqual(twice, once) {
		t.Errorf("replay changed the group: %v, was %v", twice, once)
	}
}

func TestBatchSizeRefusedBeforeCalling(t *testing.T) {
	eleven := make([]roster.Phone, twochat.MaxBatch+1)
	for i := range eleven {
		eleven[i] = roster.MustNormalize(fmt.Sprintf("+4477009100%02d", i))
	}
	for _, members := range [][]roster.Phone{eleven, nil} {
		for _, op := range []roster.Op{roster.OpAdd, roster.OpRemove, roster.OpPromote, roster.OpDemote} {
			t.Run(fmt.Sprintf("%s %d", op, len(members)), func(t *testing.T) {
				s, endpoint := startSim(t)
				_, err := newClient(t, endpoint, from, apiKey).Change(context.Background(), docGroup, op, members)
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

func TestWholeCallErrors(t *testing.T) {
	tests := []struct {
		name  string
		key   string
		fault *sim.Fault
		call  call
		want  error
	}{
		{"add as a non-admin", apiKey, nil, change(roster.OpAdd, memberGroup, docA), provider.ErrNotAdmin},
		{"promote as a non-admin", apiKey, nil, change(roster.OpPromote, memberGroup, creator), provider.ErrNotAdmin},
		{"read an unknown group", apiKey, nil, read("WAGnope"), provider.ErrNotFound},
		{"add to an unknown group", apiKey, nil, change(roster.OpAdd, "WAGnope", docA), provider.ErrNotFound},
		{"read with a wrong key", wrongKey, nil, read(docGroup), provider.ErrUnauthorized},
		{"add with a wrong key", wrongKey, nil, change(roster.OpAdd, docGroup, docA), provider.ErrUnauthorized},
		{"read answered 500", apiKey, &sim.Fault{Status: 500}, read(docGroup), provider.ErrUnavailable},
		{"remove answered 503", apiKey, &sim.Fault{Status: 503}, change(roster.OpRemove, docGroup, member), provider.ErrUnavailable},
		{"read answered malformed", apiKey, &sim.Fault{Malformed: true}, read(docGroup), provider.ErrUnavailable},
		{"add answered malformed", apiKey, &sim.Fault{Malformed: true}, change(roster.OpAdd, docGroup, docA), provider.ErrUnavailable},
		{"account check answered malformed", apiKey, &sim.Fault{Malformed: true},
			func(ctx context.Context, c provider.Client) error { return c.CheckAccount(ctx) }, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			assertFailed(t, tt.call(context.Background(), newClient(t, endpoint, from, tt.key)), tt.want)
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
			before := roles(t, s, docGroup)
			s.InjectFault(sim.Fault{Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter})

			_, err := newClient(t, endpoint, from, apiKey).Change(context.Background(), docGroup, roster.OpAdd, []roster.Phone{docA})
			assertFailed(t, err, provider.ErrRateLimited)
			var rl *provider.RateLimitedError
			if !errors.As(err, &rl) {
				t.Fatalf("error %v is not a *provider.RateLimitedError", err)
			}
			if d, _ := provider.RetryAfter(err); d != rl.RetryAfter || d < tt.min || d > tt.max {
				t.Errorf("retry after %s, want %s to %s", d, tt.min, tt.max)
			}
			if after := roles(t, s, docGroup); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused add changed the group: %v, was %v", after, before)
			}
		})
	}
}
