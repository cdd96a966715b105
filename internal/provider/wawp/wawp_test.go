// The Wawp client's tests: the golden request of Wawp's documented promote sample
// (testdata/README.md), then the client against wagov-sim's Wawp dialect. The access token
// travels in the query string, so every error is checked for it and for the query itself.

package wawp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/waha"
	"github.com/wagov/wagov/internal/provider/wawp"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/wawp"
)

const (
	token      = "wawp-test-token-3c9a10b4" // the token of testdata/world.yaml
	wrongToken = "wawp-wrong-token-0e5d7f21"
	instance   = "4F2A9C1B7E3D"

	group       = "120363042000000001@g.us" // the instance is an admin
	lidGroup    = "120363042000000002@g.us" // LID-addressed
	memberGroup = "120363042000000003@g.us" // the instance is only a member
	fullGroup   = "120363042000000004@g.us" // one seat left; the instance created it
)

var (
	creator      = roster.MustNormalize("+12125550199")
	self         = roster.MustNormalize("+12123334444")
	member       = roster.MustNormalize("+447700900002")
	admin        = roster.MustNormalize("+447700900004")
	newbie       = roster.MustNormalize("+447700176576")
	private      = roster.MustNormalize("+447700900001")
	unregistered = roster.MustNormalize("+15550000000")
	another      = roster.MustNormalize("+17137157533")
)

func newClient(t *testing.T, endpoint, account, key string) provider.Client {
	t.Helper()
	c, err := wawp.New(provider.Config{Endpoint: endpoint, Account: account, Credential: key})
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

// oddToken is a token whose query-escaped form differs from it.
const oddToken = "wawp/test+token=3c9a"

// assertFailed checks that err wraps want and shows no token, as given or query-escaped.
func assertFailed(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want one wrapping %q", err, want)
	}
	for _, leak := range []string{token, wrongToken, oddToken, url.QueryEscape(oddToken)} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error shows %q: %v", leak, err)
		}
	}
}

func TestRegistered(t *testing.T) {
	_, caps, err := provider.New(wawp.TypeName, provider.Config{Account: instance, Credential: token})
	if err != nil {
		t.Fatal(err)
	}
	if caps.DefaultEndpoint != "https://api.wawp.net" || caps.MaxBatch != waha.MaxBatch || caps.ReadLag != 0 {
		t.Errorf("capabilities %+v", caps)
	}
	for _, cfg := range []provider.Config{
		{Endpoint: wawp.DefaultEndpoint, Credential: token},
		{Endpoint: "https://[::1", Account: instance, Credential: token},
		{Endpoint: "https://api.wawp.net?x=1", Account: instance, Credential: token},
	} {
		_, err := wawp.New(cfg)
		assertFailed(t, err, provider.ErrInvalidRequest)
	}
}

// TestDocumentedPromote replays the request sample of Wawp's promote page (seed 003): the path
// with the group id's "@" as %40, instance_id and access_token in the query, the
// ParticipantsRequest body, and the documented {"ok": true}, which names nobody.
func TestDocumentedPromote(t *testing.T) {
	type request struct {
		method, path string
		query        url.Values
		header       http.Header
		body         []byte
	}
	seen := make(chan request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen <- request{r.Method, r.URL.EscapedPath(), r.URL.Query(), r.Header, b}
		_, _ = w.Write(fixture(t, "promote_response.json"))
	}))
	t.Cleanup(srv.Close)

	got, err := newClient(t, srv.URL, "123456789", "123456789").Change(context.Background(), "1234567890@g.us", roster.OpPromote,
		[]roster.Phone{roster.MustNormalize("+1234567890")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []provider.Outcome{{Member: roster.MustNormalize("+1234567890"), Result: provider.ResultUnknown}}; !reflect.DeepEqual(got, want) {
		t.Errorf("outcomes %+v, want %+v", got, want)
	}
	var body bytes.Buffer
	if err := json.Compact(&body, fixture(t, "promote_request.json")); err != nil {
		t.Fatal(err)
	}
	r := <-seen
	wantQuery := url.Values{"instance_id": {"123456789"}, "access_token": {"123456789"}}
	if r.method != http.MethodPost || r.path != "/v2/groups/1234567890%40g.us/admin/promote" || !reflect.DeepEqual(r.query, wantQuery) {
		t.Errorf("request %s %s %v, want POST /v2/groups/1234567890%%40g.us/admin/promote %v", r.method, r.path, r.query, wantQuery)
	}
	if !bytes.Equal(r.body, body.Bytes()) || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("body %s (%s), want %s", r.body, r.header.Get("Content-Type"), body.Bytes())
	}
	if r.header.Get("X-Api-Key") != "" || r.header.Get("Authorization") != "" {
		t.Errorf("the token went into a header too: %v", r.header)
	}
}

// TestTokenNeverInErrors: neither a transport failure nor a 500 that echoes the request URL
// and query (as WAHA's exception filter does) may carry the token into an error.
func TestTokenNeverInErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"statusCode":500,"exception":{"message":"boom at %s"},"request":{"path":%q,"query":{"access_token":%q}}}`,
			r.URL.String(), r.URL.Path, r.URL.Query().Get("access_token"))
	}))
	t.Cleanup(srv.Close)
	_, err := newClient(t, srv.URL, instance, oddToken).ReadGroup(context.Background(), group)
	assertFailed(t, err, provider.ErrUnavailable)

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = newClient(t, closed.URL, instance, oddToken).Change(context.Background(), group, roster.OpAdd, []roster.Phone{newbie})
	assertFailed(t, err, provider.ErrUnavailable)
}

// --- Against wagov-sim ---

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

// TestReadGroup reads WEBJS's participant list. In a LID-addressed group it names LIDs only;
// the client resolves them through the instance's LID list.
func TestReadGroup(t *testing.T) {
	tests := []struct {
		name, group string
		want        []roster.Participant
		calls       []string
	}{
		{"phone-addressed", group, []roster.Participant{
			{Phone: creator, RawID: "12125550199@c.us", Role: roster.RoleSuperAdmin},
			{Phone: self, RawID: "12123334444@c.us", Role: roster.RoleAdmin},
			{Phone: member, RawID: "447700900002@c.us", Role: roster.RoleMember},
			{Phone: admin, RawID: "447700900004@c.us", Role: roster.RoleAdmin},
		}, []string{"GET /v2/groups/" + group + "/participants", "GET /v2/session/me"}},
		{"LID-addressed", lidGroup, []roster.Participant{
			{Phone: creator, RawID: "118230041276650@lid", Role: roster.RoleSuperAdmin},
			{Phone: self, RawID: "90871234567@lid", Role: roster.RoleAdmin},
			{Phone: member, RawID: "205227043110953@lid", Role: roster.RoleMember},
		}, []string{"GET /v2/groups/" + lidGroup + "/participants", "GET /v2/lids", "GET /v2/session/me"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			got, err := newClient(t, endpoint, instance, token).ReadGroup(context.Background(), tt.group)
			if err != nil {
				t.Fatal(err)
			}
			if want := (roster.Group{ID: tt.group, Self: self, Participants: tt.want}); !reflect.DeepEqual(got, want) {
				t.Errorf("group\n%+v\nwant\n%+v", got, want)
			}
			var paths []string
			for _, c := range s.Calls() {
				paths = append(paths, c.Method+" "+c.Path)
			}
			if !reflect.DeepEqual(paths, tt.calls) {
				t.Errorf("calls %v, want %v", paths, tt.calls)
			}
		})
	}
}

// TestLIDListFailures: a LID list that is not there leaves the LIDs unresolved (and the
// controller acts on none of them); one that fails fails the read.
func TestLIDListFailures(t *testing.T) {
	t.Run("not found", func(t *testing.T) {
		s, endpoint := startSim(t)
		s.InjectFault(sim.Fault{Op: sim.OpAccount, Status: 404, Times: 1})
		got, err := newClient(t, endpoint, instance, token).ReadGroup(context.Background(), lidGroup)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range got.Participants {
			if p.Resolved() {
				t.Errorf("%s resolved to %s without the LID list", p.RawID, p.Phone.E164())
			}
		}
	})
	t.Run("failing", func(t *testing.T) {
		s, endpoint := startSim(t)
		s.InjectFault(sim.Fault{Op: sim.OpAccount, Status: 502, Times: 1})
		_, err := newClient(t, endpoint, instance, token).ReadGroup(context.Background(), lidGroup)
		assertFailed(t, err, provider.ErrUnavailable)
	})
}

func TestCheckAccount(t *testing.T) {
	tests := []struct {
		name, account, key string
		want               error // nil: success
	}{
		{"the instance", instance, token, nil},
		{"another instance", "000000000000", token, provider.ErrNotFound},
		{"wrong token", instance, wrongToken, provider.ErrUnauthorized},
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
		roleNow roster.Role // of members[0]; "" means not a participant
	}{
		{"remove", roster.OpRemove, []roster.Phone{member}, ""},
		{"promote", roster.OpPromote, []roster.Phone{member}, roster.RoleAdmin},
		{"demote", roster.OpDemote, []roster.Phone{admin}, roster.RoleMember},
		{"remove the creator is skipped", roster.OpRemove, []roster.Phone{creator}, roster.RoleSuperAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			got, err := newClient(t, endpoint, instance, token).Change(context.Background(), group, tt.op, tt.members)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Result != provider.ResultUnknown {
				t.Errorf("outcomes %+v, want Unknown: {\"ok\": true} says nothing about each member", got)
			}
			if r := roles(t, s, group)[tt.members[0]]; r != tt.roleNow {
				t.Errorf("role of %s now %q, want %q", tt.members[0].E164(), r, tt.roleNow)
			}
		})
	}
}

// TestAddOutcomes adds one number of each kind to the group with one seat left, in one call:
// the add answer is WEBJS's, one code per participant.
func TestAddOutcomes(t *testing.T) {
	tests := []struct {
		member roster.Phone
		code   int
		want   provider.Result
	}{
		{newbie, 200, provider.ResultApplied},
		{member, 409, provider.ResultUnchanged},
		{private, 403, provider.ResultInviteRequired},
		{unregistered, 404, provider.ResultNotOnWhatsApp},
		{another, 419, provider.ResultGroupFull},
	}
	s, endpoint := startSim(t)
	members := make([]roster.Phone, len(tests))
	for i, tt := range tests {
		members[i] = tt.member
	}
	got, err := newClient(t, endpoint, instance, token).Change(context.Background(), fullGroup, roster.OpAdd, members)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		if o := got[i]; o.Member != tt.member || o.Code != tt.code || o.Result != tt.want {
			t.Errorf("outcome %+v, want %s code %d → %s", o, tt.member.E164(), tt.code, tt.want)
		}
	}
	if !strings.Contains(got[2].Message, "invite") {
		t.Errorf("privacy outcome message %q does not mention the invite", got[2].Message)
	}
	if _, in := roles(t, s, fullGroup)[newbie]; !in {
		t.Error("the addable number was not added")
	}
}

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
		name, key string
		fault     *sim.Fault
		call      call
		want      error
	}{
		{"add as a non-admin", token, nil, change(roster.OpAdd, memberGroup, newbie), provider.ErrNotAdmin},
		{"promote as a non-admin", token, nil, change(roster.OpPromote, memberGroup, creator), provider.ErrNotAdmin},
		{"promote a non-member", token, nil, change(roster.OpPromote, group, member, newbie), provider.ErrInvalidRequest},
		{"demote the creator", token, nil, change(roster.OpDemote, group, admin, creator), provider.ErrInvalidRequest},
		{"read an unknown group", token, nil, read("120363042999999999@g.us"), provider.ErrNotFound},
		{"add to an unknown group", token, nil, change(roster.OpAdd, "120363042999999999@g.us", newbie), provider.ErrNotFound},
		{"read with a wrong token", wrongToken, nil, read(group), provider.ErrUnauthorized},
		{"add with a wrong token", wrongToken, nil, change(roster.OpAdd, group, newbie), provider.ErrUnauthorized},
		{"read answered 500", token, &sim.Fault{Status: 500}, read(group), provider.ErrUnavailable},
		{"remove answered 503", token, &sim.Fault{Status: 503}, change(roster.OpRemove, group, member), provider.ErrUnavailable},
		{"read answered malformed", token, &sim.Fault{Op: sim.OpRead, Malformed: true}, read(group), provider.ErrUnavailable},
		{"429", token, &sim.Fault{Status: 429, RetryAfter: "30"}, change(roster.OpAdd, group, newbie), provider.ErrRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			before := roles(t, s, group)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			assertFailed(t, tt.call(context.Background(), newClient(t, endpoint, instance, tt.key)), tt.want)
			if after := roles(t, s, group); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused call changed the group: %v → %v", before, after)
			}
		})
	}
}
