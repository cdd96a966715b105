// The Wawp client's tests: the golden request of Wawp's documented promote sample
// (testdata/README.md), then the client against wagov-sim's Wawp dialect. The access token
// travels in the query string, so every error is checked for it and for the query itself.

package wawp_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/providertest"
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

// oddToken is a token whose query-escaped form differs from it.
const oddToken = "wawp/test+token=3c9a"

// secrets are the tokens no error may show, as given or query-escaped.
var secrets = []string{token, wrongToken, oddToken, url.QueryEscape(oddToken)}

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
		providertest.AssertFailed(t, err, provider.ErrInvalidRequest, secrets...)
	}
}

// TestDocumentedPromote replays the request sample of Wawp's promote page (seed 003): the path
// with the group id's "@" as %40, instance_id and access_token in the query, the
// ParticipantsRequest body, and the documented {"ok": true}, which names nobody.
func TestDocumentedPromote(t *testing.T) {
	srv := providertest.Serve(t, providertest.Always(http.StatusOK, providertest.Fixture(t, "promote_response.json")))

	got, err := providertest.NewClient(t, wawp.New, srv.URL, "123456789", "123456789").Change(context.Background(), "1234567890@g.us", roster.OpPromote,
		[]roster.Phone{roster.MustNormalize("+1234567890")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []provider.Outcome{{Member: roster.MustNormalize("+1234567890"), Result: provider.ResultUnknown}}; !reflect.DeepEqual(got, want) {
		t.Errorf("outcomes %+v, want %+v", got, want)
	}
	body := providertest.Compact(t, providertest.Fixture(t, "promote_request.json"))
	seen := srv.Requests()
	if len(seen) != 1 {
		t.Fatalf("requests %+v, want one", seen)
	}
	r := seen[0]
	query, _ := url.ParseQuery(r.Query)
	wantQuery := url.Values{"instance_id": {"123456789"}, "access_token": {"123456789"}}
	if r.Method != http.MethodPost || r.EscapedPath != "/v2/groups/1234567890%40g.us/admin/promote" || !reflect.DeepEqual(query, wantQuery) {
		t.Errorf("request %s %s %v, want POST /v2/groups/1234567890%%40g.us/admin/promote %v", r.Method, r.EscapedPath, query, wantQuery)
	}
	if !bytes.Equal(r.Body, body) || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("body %s (%s), want %s", r.Body, r.Header.Get("Content-Type"), body)
	}
	if r.Header.Get("X-Api-Key") != "" || r.Header.Get("Authorization") != "" {
		t.Errorf("the token went into a header too: %v", r.Header)
	}
}

// TestTokenNeverInErrors: neither a transport failure nor a 500 that echoes the request URL
// and query (as WAHA's exception filter does) may carry the token into an error.
func TestTokenNeverInErrors(t *testing.T) {
	srv := providertest.Serve(t, func(r providertest.Request) providertest.Reply {
		query, _ := url.ParseQuery(r.Query)
		return providertest.Reply{Status: http.StatusInternalServerError,
			Body: fmt.Appendf(nil, `{"statusCode":500,"exception":{"message":"boom at %s"},"request":{"path":%q,"query":{"access_token":%q}}}`,
				r.EscapedPath+"?"+r.Query, r.Path, query.Get("access_token"))}
	})
	_, err := providertest.NewClient(t, wawp.New, srv.URL, instance, oddToken).ReadGroup(context.Background(), group)
	providertest.AssertFailed(t, err, provider.ErrUnavailable, secrets...)

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = providertest.NewClient(t, wawp.New, closed.URL, instance, oddToken).Change(context.Background(), group, roster.OpAdd, []roster.Phone{newbie})
	providertest.AssertFailed(t, err, provider.ErrUnavailable, secrets...)
}

// --- Against wagov-sim ---

// TestReadGroup reads WEBJS's participant list twice. In a LID-addressed group it names LIDs
// only; the client resolves them through the instance's LID list. The second read is the
// participants call alone: the own number and the LIDs are known by then.
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
			s, endpoint := providertest.StartSim(t)
			c := providertest.NewClient(t, wawp.New, endpoint, instance, token)
			want := roster.Group{ID: tt.group, Self: self, Participants: tt.want}
			for _, calls := range [][]string{tt.calls, {"GET /v2/groups/" + tt.group + "/participants"}} {
				s.ResetCalls()
				got, err := c.ReadGroup(context.Background(), tt.group)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("group\n%+v\nwant\n%+v", got, want)
				}
				var paths []string
				for _, c := range s.Calls() {
					paths = append(paths, c.Method+" "+c.Path)
				}
				if !reflect.DeepEqual(paths, calls) {
					t.Errorf("calls %v, want %v", paths, calls)
				}
			}
		})
	}
}

// TestLIDListFailures: a LID list that is not there leaves the LIDs unresolved (and the
// controller acts on none of them); one that fails fails the read.
func TestLIDListFailures(t *testing.T) {
	t.Run("not found", func(t *testing.T) {
		s, endpoint := providertest.StartSim(t)
		s.InjectFault(sim.Fault{Op: sim.OpAccount, Status: 404, Times: 1})
		got, err := providertest.NewClient(t, wawp.New, endpoint, instance, token).ReadGroup(context.Background(), lidGroup)
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
		s, endpoint := providertest.StartSim(t)
		s.InjectFault(sim.Fault{Op: sim.OpAccount, Status: 502, Times: 1})
		_, err := providertest.NewClient(t, wawp.New, endpoint, instance, token).ReadGroup(context.Background(), lidGroup)
		providertest.AssertFailed(t, err, provider.ErrUnavailable, secrets...)
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
			_, endpoint := providertest.StartSim(t)
			err := providertest.NewClient(t, wawp.New, endpoint, tt.account, tt.key).CheckAccount(context.Background())
			providertest.AssertError(t, err, tt.want, secrets...)
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
			s, endpoint := providertest.StartSim(t)
			got, err := providertest.NewClient(t, wawp.New, endpoint, instance, token).Change(context.Background(), group, tt.op, tt.members)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Result != provider.ResultUnknown {
				t.Errorf("outcomes %+v, want Unknown: {\"ok\": true} says nothing about each member", got)
			}
			if r := providertest.Roles(t, s, group)[tt.members[0]]; r != tt.roleNow {
				t.Errorf("role of %s now %q, want %q", tt.members[0].E164(), r, tt.roleNow)
			}
		})
	}
}

// TestLIDGroupWrites: in a LID-addressed group WEBJS drops a remove, promote or demote that names
// a member by phone; after a read, the client names the member by the LID it listed.
func TestLIDGroupWrites(t *testing.T) {
	tests := []struct {
		name    string
		read    bool
		op      roster.Op
		roleNow roster.Role // of member; "" means not a participant
	}{
		{"promote after a read", true, roster.OpPromote, roster.RoleAdmin},
		{"remove after a read", true, roster.OpRemove, ""},
		{"promote with no read: by phone, dropped", false, roster.OpPromote, roster.RoleMember},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			c := providertest.NewClient(t, wawp.New, endpoint, instance, token)
			if tt.read {
				if _, err := c.ReadGroup(context.Background(), lidGroup); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.Change(context.Background(), lidGroup, tt.op, []roster.Phone{member}); err != nil {
				t.Fatal(err)
			}
			if r := providertest.Roles(t, s, lidGroup)[member]; r != tt.roleNow {
				t.Errorf("role of %s now %q, want %q", member.E164(), r, tt.roleNow)
			}
		})
	}
}

// TestAddOutcomes adds one number of each kind to the group with one seat left, in one call:
// the add answer is WEBJS's, one code per participant.
func TestAddOutcomes(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	got := providertest.AssertAddOutcomes(t, providertest.NewClient(t, wawp.New, endpoint, instance, token), fullGroup, []providertest.AddCase{
		{Member: newbie, Code: 200, Want: provider.ResultApplied},
		{Member: member, Code: 409, Want: provider.ResultUnchanged},
		{Member: private, Code: 403, Want: provider.ResultInviteRequired},
		{Member: unregistered, Code: 404, Want: provider.ResultNotOnWhatsApp},
		{Member: another, Code: 419, Want: provider.ResultGroupFull},
	})
	if !strings.Contains(got[2].Message, "invite") {
		t.Errorf("privacy outcome message %q does not mention the invite", got[2].Message)
	}
	if _, in := providertest.Roles(t, s, fullGroup)[newbie]; !in {
		t.Error("the addable number was not added")
	}
}

func TestWholeCallErrors(t *testing.T) {
	tests := []struct {
		name, key string
		fault     *sim.Fault
		call      providertest.Call
		want      error
	}{
		{"add as a non-admin", token, nil, providertest.Change(roster.OpAdd, memberGroup, newbie), provider.ErrNotAdmin},
		{"promote as a non-admin", token, nil, providertest.Change(roster.OpPromote, memberGroup, creator), provider.ErrNotAdmin},
		{"promote a non-member", token, nil, providertest.Change(roster.OpPromote, group, member, newbie), provider.ErrInvalidRequest},
		{"demote the creator", token, nil, providertest.Change(roster.OpDemote, group, admin, creator), provider.ErrInvalidRequest},
		{"read an unknown group", token, nil, providertest.Read("120363042999999999@g.us"), provider.ErrNotFound},
		{"add to an unknown group", token, nil, providertest.Change(roster.OpAdd, "120363042999999999@g.us", newbie), provider.ErrNotFound},
		{"read with a wrong token", wrongToken, nil, providertest.Read(group), provider.ErrUnauthorized},
		{"add with a wrong token", wrongToken, nil, providertest.Change(roster.OpAdd, group, newbie), provider.ErrUnauthorized},
		{"read answered 500", token, &sim.Fault{Status: 500}, providertest.Read(group), provider.ErrUnavailable},
		{"remove answered 503", token, &sim.Fault{Status: 503}, providertest.Change(roster.OpRemove, group, member), provider.ErrUnavailable},
		{"read answered malformed", token, &sim.Fault{Op: sim.OpRead, Malformed: true}, providertest.Read(group), provider.ErrUnavailable},
		{"429", token, &sim.Fault{Status: 429, RetryAfter: "30"}, providertest.Change(roster.OpAdd, group, newbie), provider.ErrRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			before := providertest.Roles(t, s, group)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			providertest.AssertFailed(t, tt.call(context.Background(), providertest.NewClient(t, wawp.New, endpoint, instance, tt.key)), tt.want, secrets...)
			if after := providertest.Roles(t, s, group); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused call changed the group: %v → %v", before, after)
			}
		})
	}
}
