// The 2Chat client's tests: golden requests and responses from 2Chat's documented examples
// (testdata/README.md says where each fixture comes from), then the client against wagov-sim's
// 2Chat dialect for roles, per-member outcomes, whole-call errors and rate limits. Every error
// is checked for the API key.

package twochat_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/providertest"
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

// --- Golden requests and responses from 2Chat's documentation ---

// assertDocumentedRequest checks that the client sent one request, the documented cURL example
// of op.
func assertDocumentedRequest(t *testing.T, seen []providertest.Request, op string) {
	t.Helper()
	if len(seen) != 1 {
		t.Fatalf("requests %+v, want one", seen)
	}
	got, want := seen[0], providertest.Compact(t, providertest.Fixture(t, "change_request.json"))
	wantPath := "/open/whatsapp/group/" + docGroup + "/" + op + "-participant"
	if got.Method != http.MethodPost || got.Path != wantPath || got.Query != "" {
		t.Errorf("request %s %s?%s, want POST %s", got.Method, got.Path, got.Query, wantPath)
	}
	if key := got.Header.Get("X-User-API-Key"); key != apiKey {
		t.Errorf("X-User-API-Key %q, want %q", key, apiKey)
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if !bytes.Equal(got.Body, want) {
		t.Errorf("body\n%s\nwant\n%s", got.Body, want)
	}
}

func TestDocumentedAdd(t *testing.T) {
	srv := providertest.Serve(t, providertest.Always(http.StatusOK, providertest.Fixture(t, "add_response.json")))
	c := providertest.NewClient(t, twochat.New, srv.URL, from, apiKey)

	got, err := c.Change(context.Background(), docGroup, roster.OpAdd, []roster.Phone{docA, docB})
	if err != nil {
		t.Fatal(err)
	}
	assertDocumentedRequest(t, srv.Requests(), "add")
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
		srv := providertest.Serve(t, providertest.Always(http.StatusOK, providertest.Fixture(t, "promote_response.txt")))
		c := providertest.NewClient(t, twochat.New, srv.URL, from, apiKey)

		got, err := c.Change(context.Background(), docGroup, roster.OpPromote, []roster.Phone{docA, docB})
		assertDocumentedRequest(t, srv.Requests(), "promote")
		providertest.AssertFailed(t, err, provider.ErrUnavailable, apiKey, wrongKey)
		if got != nil {
			t.Errorf("outcomes %+v with an error", got)
		}
	})
	t.Run("corrected response names no member", func(t *testing.T) {
		srv := providertest.Serve(t, providertest.Always(http.StatusOK, providertest.Fixture(t, "promote_response_corrected.json")))
		c := providertest.NewClient(t, twochat.New, srv.URL, from, apiKey)

		got, err := c.Change(context.Background(), docGroup, roster.OpPromote, []roster.Phone{docA, docB})
		if err != nil {
			t.Fatal(err)
		}
		assertDocumentedRequest(t, srv.Requests(), "promote")
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
			srv := providertest.Serve(t, func(r providertest.Request) providertest.Reply {
				return providertest.Reply{Status: tt.status,
					Body: fmt.Appendf(nil, `{"success":false,"error":"key %s may not do this"}`, r.Header.Get("X-User-API-Key"))}
			})
			c := providertest.NewClient(t, twochat.New, srv.URL, from, apiKey)

			_, err := c.Change(context.Background(), docGroup, roster.OpAdd, []roster.Phone{docA})
			providertest.AssertFailed(t, err, tt.want, apiKey, wrongKey)
			if !strings.Contains(err.Error(), "may not do this") {
				t.Errorf("error %v lost the provider's message", err)
			}
		})
	}
}

// --- Against wagov-sim ---

func TestReadGroup(t *testing.T) {
	_, endpoint := providertest.StartSim(t)
	c := providertest.NewClient(t, twochat.New, endpoint, from, apiKey)

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
			_, endpoint := providertest.StartSim(t)
			err := providertest.NewClient(t, twochat.New, endpoint, tt.account, tt.key).CheckAccount(context.Background())
			providertest.AssertError(t, err, tt.want, apiKey, wrongKey)
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
			s, endpoint := providertest.StartSim(t)
			before := providertest.Roles(t, s, docGroup)

			got, err := providertest.NewClient(t, twochat.New, endpoint, from, apiKey).Change(context.Background(), docGroup, tt.op, tt.members)
			if err != nil {
				t.Fatal(err)
			}
			if results := resultsOf(got); !reflect.DeepEqual(results, tt.want) {
				t.Errorf("results %v, want %v", results, tt.want)
			}
			after := providertest.Roles(t, s, docGroup)
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
	s, endpoint := providertest.StartSim(t)
	got := providertest.AssertAddOutcomes(t, providertest.NewClient(t, twochat.New, endpoint, from, apiKey), fullGroup, []providertest.AddCase{
		{Member: docA, Code: 200, Want: provider.ResultApplied}, // takes the last seat
		{Member: member, Code: 409, Want: provider.ResultUnchanged},
		{Member: private, Code: 403, Want: provider.ResultInviteRequired},
		{Member: unregistered, Code: 404, Want: provider.ResultNotOnWhatsApp},
		{Member: recentlyLeft, Code: 408, Want: provider.ResultRecentlyLeft},
		{Member: docB, Code: 419, Want: provider.ResultGroupFull},
	})
	if !strings.Contains(got[2].Message, "invite") {
		t.Errorf("privacy outcome message %q does not mention the invite", got[2].Message)
	}
	want := map[roster.Phone]roster.Role{
		self: roster.RoleSuperAdmin, member: roster.RoleMember,
		roster.MustNormalize("+447700900003"): roster.RoleMember, docA: roster.RoleMember,
	}
	if now := providertest.Roles(t, s, fullGroup); !reflect.DeepEqual(now, want) {
		t.Errorf("group now %v, want %v", now, want)
	}
}

func TestAddReplayIsUnchanged(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	c := providertest.NewClient(t, twochat.New, endpoint, from, apiKey)
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
	once := providertest.Roles(t, s, docGroup)
	if o := add(); o.Result != provider.ResultUnchanged || o.Code != 409 {
		t.Errorf("replayed add %+v, want Unchanged with code 409", o)
	}
	if twice := providertest.Roles(t, s, docGroup); !reflect.DeepEqual(twice, once) {
		t.Errorf("replay changed the group: %v, was %v", twice, once)
	}
}

func TestBatchSizeRefusedBeforeCalling(t *testing.T) {
	providertest.AssertRefusedBeforeCalling(t, simClient, docGroup, providertest.Numbers("+4477009100%02d", twochat.MaxBatch+1), apiKey, wrongKey)
}

func TestWholeCallErrors(t *testing.T) {
	tests := []struct {
		name  string
		key   string
		fault *sim.Fault
		call  providertest.Call
		want  error
	}{
		{"add as a non-admin", apiKey, nil, providertest.Change(roster.OpAdd, memberGroup, docA), provider.ErrNotAdmin},
		{"promote as a non-admin", apiKey, nil, providertest.Change(roster.OpPromote, memberGroup, creator), provider.ErrNotAdmin},
		{"read an unknown group", apiKey, nil, providertest.Read("WAGnope"), provider.ErrNotFound},
		{"add to an unknown group", apiKey, nil, providertest.Change(roster.OpAdd, "WAGnope", docA), provider.ErrNotFound},
		{"read with a wrong key", wrongKey, nil, providertest.Read(docGroup), provider.ErrUnauthorized},
		{"add with a wrong key", wrongKey, nil, providertest.Change(roster.OpAdd, docGroup, docA), provider.ErrUnauthorized},
		{"read answered 500", apiKey, &sim.Fault{Status: 500}, providertest.Read(docGroup), provider.ErrUnavailable},
		{"remove answered 503", apiKey, &sim.Fault{Status: 503}, providertest.Change(roster.OpRemove, docGroup, member), provider.ErrUnavailable},
		{"read answered malformed", apiKey, &sim.Fault{Malformed: true}, providertest.Read(docGroup), provider.ErrUnavailable},
		{"add answered malformed", apiKey, &sim.Fault{Malformed: true}, providertest.Change(roster.OpAdd, docGroup, docA), provider.ErrUnavailable},
		{"account check answered malformed", apiKey, &sim.Fault{Malformed: true}, providertest.CheckAccount, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			providertest.AssertFailed(t, tt.call(context.Background(), providertest.NewClient(t, twochat.New, endpoint, from, tt.key)), tt.want, apiKey, wrongKey)
		})
	}
}

func TestRateLimited(t *testing.T) {
	providertest.AssertRateLimited(t, simClient, docGroup, docA, apiKey, wrongKey)
}

// simClient is the client under test for the simulator at endpoint, acting as from with apiKey.
func simClient(t *testing.T, endpoint string) provider.Client {
	return providertest.NewClient(t, twochat.New, endpoint, from, apiKey)
}

// A read's body is lent from a pool that the next read reuses: nothing a read returned may
// point into it. Two answers of one size but other digits are read in turn, many times; the
// first group must read the same after every other read.
func TestReadGroupKeepsNothingOfTheLentBody(t *testing.T) {
	answer := func(digit byte) string {
		var parts []string
		for i := range 64 {
			n := fmt.Sprintf("4477009%c%04d", digit, i)
			parts = append(parts, fmt.Sprintf(`{"wa_participant_id":"%s@c.us","phone_number":"+%s","wa_is_admin":%t,"wa_is_super_admin":false}`, n, n, i == 0))
		}
		return `{"success":true,"data":{"uuid":"g","wa_group_name":"team ` + string(digit) + `","participants":[` + strings.Join(parts, ",") + `]}}`
	}
	bodies := map[string]string{"/open/whatsapp/group/WAG-1": answer('1'), "/open/whatsapp/group/WAG-2": answer('2')}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(bodies[r.URL.Path]))
	}))
	defer srv.Close()
	c, err := twochat.New(provider.Config{Endpoint: srv.URL, Account: from, Credential: apiKey, HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.ReadGroup(context.Background(), "WAG-1")
	if err != nil || len(first.Participants) != 64 {
		t.Fatalf("read %d participants, err %v", len(first.Participants), err)
	}
	want := fmt.Sprintf("%+v", first)
	for range 50 {
		if _, err := c.ReadGroup(context.Background(), "WAG-2"); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%+v", first); got != want {
			t.Fatalf("the first read changed after another:\n%s\nwas\n%s", got, want)
		}
	}
}
