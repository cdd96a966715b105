// The WAHA client's tests: golden requests and engine answers (testdata/README.md says where
// each fixture comes from), then the client against wagov-sim's WAHA dialect (the NOWEB engine)
// for roles, LIDs, per-member outcomes, whole-call errors and rate limits. Every error is
// checked for the API key.

package waha_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/providertest"
	"github.com/wagov/wagov/internal/provider/waha"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/waha"
)

const (
	apiKey   = "waha-test-key-5d8e21f0" // the key of testdata/world.yaml
	wrongKey = "waha-wrong-key-77c1e9a3"
	session  = "default"

	group       = "120363042000000001@g.us" // the session is an admin
	lidGroup    = "120363042000000002@g.us" // LID-addressed
	memberGroup = "120363042000000003@g.us" // the session is only a member
	fullGroup   = "120363042000000004@g.us" // one seat left; the session created it
	otherGroup  = "120363042000000005@g.us" // the session is not in it
)

var (
	creator      = roster.MustNormalize("+12125550199")
	self         = roster.MustNormalize("+12123334444")
	member       = roster.MustNormalize("+447700900002")
	admin        = roster.MustNormalize("+447700900004")
	hidden       = roster.MustNormalize("+447700900003")
	newbie       = roster.MustNormalize("+447700176576")
	private      = roster.MustNormalize("+447700900001")
	unregistered = roster.MustNormalize("+15550000000")
	recentlyLeft = roster.MustNormalize("+17137150000")
	another      = roster.MustNormalize("+17137157533")
)

// --- Golden requests and engine answers ---

// notFound is WAHA's answer to a path it does not serve.
var notFound = providertest.Reply{Status: http.StatusNotFound, Body: []byte(`{"statusCode":404,"message":"Cannot GET","error":"Not Found"}`)}

const docGroup = "1234567890@g.us"

func TestDocumentedRequest(t *testing.T) {
	for _, tt := range []struct {
		op   roster.Op
		path string
	}{
		{roster.OpAdd, "participants/add"}, {roster.OpRemove, "participants/remove"},
		{roster.OpPromote, "admin/promote"}, {roster.OpDemote, "admin/demote"},
	} {
		t.Run(string(tt.op), func(t *testing.T) {
			path := "/api/default/groups/1234567890%40g.us/" + tt.path
			srv := providertest.Serve(t, providertest.Routes(map[string]providertest.Reply{
				"POST " + path: {Status: 201, Body: providertest.Fixture(t, "change_webjs.json")}}, notFound))
			_, err := providertest.NewClient(t, waha.New, srv.URL, "", apiKey).Change(context.Background(), docGroup, tt.op, []roster.Phone{roster.MustNormalize("+1234567890")})
			if err != nil {
				t.Fatalf("a 201 answer (older WAHA) is a success: %v", err)
			}
			want := providertest.Compact(t, providertest.Fixture(t, "change_request.json"))
			got := srv.Requests()[0]
			if key := got.Header.Get("X-Api-Key"); got.Method != http.MethodPost || got.EscapedPath != path || got.Query != "" || key != apiKey || !bytes.Equal(got.Body, want) {
				t.Errorf("request %s %s?%s key %q body %s, want POST %s key %q body %s", got.Method, got.EscapedPath, got.Query, key, got.Body, path, apiKey, want)
			}
		})
	}
}

// TestEngineAnswers reads one add answer of each engine WAHA passes through, and the bare
// answers of WEBJS's other writes, which name nobody.
func TestEngineAnswers(t *testing.T) {
	batch := []roster.Phone{newbie, member, private, unregistered, recentlyLeft}
	added := []provider.Result{provider.ResultApplied, provider.ResultUnchanged, provider.ResultInviteRequired, provider.ResultNotOnWhatsApp, provider.ResultRecentlyLeft}
	codes := []int{200, 409, 403, 404, 408}
	tests := []struct {
		name, fixture string
		op            roster.Op
		want          []provider.Result
		codes         []int
	}{
		{"NOWEB add", "add_noweb.json", roster.OpAdd, added, codes},
		{"GOWS add", "add_gows.json", roster.OpAdd, added, codes},
		{"WEBJS add", "add_webjs.json", roster.OpAdd, added, codes},
		{"NOWEB promote", "add_noweb.json", roster.OpPromote,
			[]provider.Result{provider.ResultApplied, provider.ResultRejected, provider.ResultRejected, provider.ResultRejected, provider.ResultRejected}, codes},
		{"WEBJS promote", "change_webjs.json", roster.OpPromote,
			[]provider.Result{provider.ResultUnknown, provider.ResultUnknown, provider.ResultUnknown, provider.ResultUnknown, provider.ResultUnknown}, make([]int, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/api/default/groups/" + waha.Escape(group) + map[roster.Op]string{roster.OpAdd: "/participants/add", roster.OpPromote: "/admin/promote"}[tt.op]
			srv := providertest.Serve(t, providertest.Routes(map[string]providertest.Reply{
				"POST " + path: {Status: 200, Body: providertest.Fixture(t, tt.fixture)}}, notFound))
			got, err := providertest.NewClient(t, waha.New, srv.URL, session, apiKey).Change(context.Background(), group, tt.op, batch)
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range got {
				if o.Member != batch[i] || o.Result != tt.want[i] || o.Code != tt.codes[i] {
					t.Errorf("outcome %d %+v, want %s code %d", i, o, tt.want[i], tt.codes[i])
				}
			}
			if tt.op == roster.OpAdd && !strings.Contains(got[2].Message, "invite") {
				t.Errorf("privacy outcome message %q does not mention the invite", got[2].Message)
			}
		})
	}
}

// TestReadShapes reads a v2 roster with a creator, a LID with its number, a LID the session's
// store resolves, a LID nobody resolves, and someone who left.
func TestReadShapes(t *testing.T) {
	srv := providertest.Serve(t, providertest.Routes(map[string]providertest.Reply{
		"GET /api/default/groups/" + waha.Escape(group) + "/participants/v2": {Status: 200, Body: providertest.Fixture(t, "participants_v2.json")},
		"GET /api/default/lids/118230041276651%40lid":                        {Status: 200, Body: []byte(`{"lid":"118230041276651@lid","pn":"447700900004@c.us"}`)},
		"GET /api/default/lids/999999999999%40lid":                           {Status: 200, Body: []byte(`{"lid":"999999999999@lid","pn":null}`)},
		"GET /api/sessions/default":                                          {Status: 200, Body: providertest.Fixture(t, "session_info.json")},
	}, notFound))
	got, err := providertest.NewClient(t, waha.New, srv.URL, session, apiKey).ReadGroup(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	want := roster.Group{ID: group, Self: roster.MustNormalize("+201012345678"), Participants: []roster.Participant{
		{Phone: creator, RawID: "12125550199@c.us", Role: roster.RoleSuperAdmin},
		{Phone: self, RawID: "12123334444@c.us", Role: roster.RoleAdmin},
		{Phone: member, RawID: "205227043110953@lid", Role: roster.RoleMember},
		{Phone: admin, RawID: "118230041276651@lid", Role: roster.RoleAdmin},
		{RawID: "999999999999@lid", Role: roster.RoleMember},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("group\n%+v\nwant\n%+v", got, want)
	}
	var paths []string
	for _, r := range srv.Requests() {
		paths = append(paths, r.EscapedPath)
	}
	if len(paths) != 4 {
		t.Errorf("%d calls, want 4: %v", len(paths), paths)
	}
}

// TestWritesNameLIDMembersByLID reads two groups, then writes: a remove, promote or demote names
// a member the group's last read listed by LID with that LID (one the read gave with its pn,
// one the LID store resolved, and a Brazilian mobile listed without its ninth digit and
// written with it), anyone else by phone, and an add always by phone. The answer, which names
// the LID back, is that member's outcome.
func TestWritesNameLIDMembersByLID(t *testing.T) {
	const br = "207134500000021@lid"
	srv := providertest.Serve(t, func(r providertest.Request) providertest.Reply {
		if r.Method == http.MethodPost {
			return providertest.Reply{Status: 200, Body: echoAccepted(t, r.Body)}
		}
		return providertest.Routes(map[string]providertest.Reply{
			"GET /api/default/groups/" + waha.Escape(group) + "/participants/v2": {Status: 200, Body: providertest.Fixture(t, "participants_v2.json")},
			"GET /api/default/groups/" + waha.Escape(lidGroup) + "/participants/v2": {Status: 200,
				Body: []byte(`[{"id":"90871234567@lid","pn":"12123334444@c.us","role":"admin"},{"id":"` + br + `","pn":"553187650001@c.us","role":"participant"}]`)},
			"GET /api/default/lids/118230041276651%40lid": {Status: 200, Body: []byte(`{"lid":"118230041276651@lid","pn":"447700900004@c.us"}`)},
			"GET /api/default/lids/999999999999%40lid":    {Status: 200, Body: []byte(`{"lid":"999999999999@lid","pn":null}`)},
			"GET /api/sessions/default":                   {Status: 200, Body: providertest.Fixture(t, "session_info.json")},
		}, notFound)(r)
	})
	c := providertest.NewClient(t, waha.New, srv.URL, session, apiKey)
	for _, g := range []string{group, lidGroup} {
		if _, err := c.ReadGroup(context.Background(), g); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, group string
		op          roster.Op
		member      roster.Phone
		id          string
	}{
		{"promote a LID listed with its pn", group, roster.OpPromote, member, "205227043110953@lid"},
		{"demote a LID the store resolved", group, roster.OpDemote, admin, "118230041276651@lid"},
		{"remove a member listed by phone", group, roster.OpRemove, creator, "12125550199@c.us"},
		{"add by phone", group, roster.OpAdd, member, "447700900002@c.us"},
		{"promote the ninth-digit form of a LID", lidGroup, roster.OpPromote, roster.MustNormalize("+5531987650001"), br},
		{"promote in a group not read", otherGroup, roster.OpPromote, member, "447700900002@c.us"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(srv.Requests())
			got, err := c.Change(context.Background(), tt.group, tt.op, []roster.Phone{tt.member})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Member != tt.member || got[0].Result != provider.ResultApplied {
				t.Errorf("outcomes %+v, want %s Applied", got, tt.member.E164())
			}
			sent := srv.Requests()[n:]
			if want := `{"participants":[{"id":"` + tt.id + `"}]}`; len(sent) != 1 || string(sent[0].Body) != want {
				t.Errorf("requests %+v, want one with body %s", sent, want)
			}
		})
	}
}

// echoAccepted answers a ParticipantsRequest as NOWEB does when WhatsApp accepts every
// participant, naming each by the id the request sent.
func echoAccepted(t *testing.T, body []byte) []byte {
	t.Helper()
	var req struct {
		Participants []struct {
			ID string `json:"id"`
		} `json:"participants"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("request body %s: %v", body, err)
	}
	out := make([]map[string]string, len(req.Participants))
	for i, p := range req.Participants {
		out[i] = map[string]string{"status": "200", "jid": p.ID}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProviderEchoesKey covers a provider that repeats the key in its error text: the client
// passes the provider's words on, but never the key.
func TestProviderEchoesKey(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"401", 401, `{"statusCode":401,"message":"key %s is not valid","error":"Unauthorized"}`, provider.ErrUnauthorized},
		{"400 list", 400, `{"statusCode":400,"message":["key %s may not do this"],"error":"Bad Request"}`, provider.ErrInvalidRequest},
		{"500 exception", 500, `{"statusCode":500,"exception":{"message":"key %s may not do this"},"request":{"headers":{"x-api-key":"%[1]s"}}}`, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.Serve(t, func(r providertest.Request) providertest.Reply {
				return providertest.Reply{Status: tt.status, Body: fmt.Appendf(nil, tt.body, r.Header.Get("X-Api-Key"))}
			})
			_, err := providertest.NewClient(t, waha.New, srv.URL, session, apiKey).Change(context.Background(), group, roster.OpAdd, []roster.Phone{newbie})
			providertest.AssertFailed(t, err, tt.want, apiKey, wrongKey)
			if !strings.Contains(err.Error(), "may not do this") && !strings.Contains(err.Error(), "is not valid") {
				t.Errorf("error %v lost the provider's message", err)
			}
		})
	}
}

// --- Against wagov-sim ---

func TestReadGroup(t *testing.T) {
	tests := []struct {
		name, group string
		want        []roster.Participant
	}{
		{"phone-addressed", group, []roster.Participant{
			{Phone: creator, RawID: "12125550199@c.us", Role: roster.RoleSuperAdmin},
			{Phone: self, RawID: "12123334444@c.us", Role: roster.RoleAdmin},
			{Phone: member, RawID: "447700900002@c.us", Role: roster.RoleMember},
			{Phone: admin, RawID: "447700900004@c.us", Role: roster.RoleAdmin},
		}},
		{"LID-addressed", lidGroup, []roster.Participant{
			{Phone: creator, RawID: "118230041276650@lid", Role: roster.RoleSuperAdmin},
			{Phone: self, RawID: "90871234567@lid", Role: roster.RoleAdmin},
			{Phone: member, RawID: "205227043110953@lid", Role: roster.RoleMember},
			{Phone: hidden, RawID: "447700900003@c.us", Role: roster.RoleMember},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			c := providertest.NewClient(t, waha.New, endpoint, session, apiKey)
			got, err := c.ReadGroup(context.Background(), tt.group)
			if err != nil {
				t.Fatal(err)
			}
			want := roster.Group{ID: tt.group, Self: self, Participants: tt.want}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("group\n%+v\nwant\n%+v", got, want)
			}
			if n := len(s.Calls()); n != 2 {
				t.Errorf("%d calls, want the participants and the session read: %+v", n, s.Calls())
			}
			s.ResetCalls()
			if again, err := c.ReadGroup(context.Background(), tt.group); err != nil || !reflect.DeepEqual(again, want) {
				t.Errorf("second read %+v, %v", again, err)
			}
			if n := len(s.Calls()); n != 1 {
				t.Errorf("a second read made %d calls %+v, want the participants alone", n, s.Calls())
			}
		})
	}
}

// TestReadFallsBackToTheLIDStore serves a v2 list whose LIDs lack their pn, as some engines
// give it, twice: the client asks the session's LID store, and the second read asks again only
// for the LID the store did not know.
func TestReadFallsBackToTheLIDStore(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	s.InjectFault(sim.Fault{Op: sim.OpRead, Status: 200, Times: 2,
		Body: `[{"id":"90871234567@lid","role":"superadmin"},{"id":"205227043110953@lid","role":"participant"},{"id":"1@lid","role":"participant"}]`})
	c := providertest.NewClient(t, waha.New, endpoint, session, apiKey)
	want := []roster.Participant{
		{Phone: self, RawID: "90871234567@lid", Role: roster.RoleSuperAdmin},
		{Phone: member, RawID: "205227043110953@lid", Role: roster.RoleMember},
		{RawID: "1@lid", Role: roster.RoleMember},
	}
	for _, lookups := range [][]string{
		{"/api/default/lids/90871234567@lid", "/api/default/lids/205227043110953@lid", "/api/default/lids/1@lid"},
		{"/api/default/lids/1@lid"},
	} {
		s.ResetCalls()
		got, err := c.ReadGroup(context.Background(), group)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Participants, want) {
			t.Errorf("participants\n%+v\nwant\n%+v", got.Participants, want)
		}
		var asked []string
		for _, c := range s.Calls() {
			if strings.Contains(c.Path, "/lids/") {
				asked = append(asked, c.Path)
			}
		}
		if !reflect.DeepEqual(asked, lookups) {
			t.Errorf("lookups %v, want %v", asked, lookups)
		}
	}
}

// TestEmptyRosterIsNoError: GOWS answers [] for some groups (devlikeapro/waha#1471); the client
// returns it as it is, and the controller treats it as unknown.
func TestEmptyRosterIsNoError(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	s.InjectFault(sim.Fault{Op: sim.OpRead, Status: 200, Body: "[]", Times: 1})
	got, err := providertest.NewClient(t, waha.New, endpoint, session, apiKey).ReadGroup(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Participants) != 0 || got.Self != self {
		t.Errorf("group %+v, want no participants and Self %s", got, self.E164())
	}
}

func TestCheckAccount(t *testing.T) {
	notWorking := string(providertest.Fixture(t, "session_not_working.json"))
	tests := []struct {
		name, account, key string
		fault              *sim.Fault
		want               error // nil: success
	}{
		{"the session", session, apiKey, nil, nil},
		{"empty account means default", "", apiKey, nil, nil},
		{"another session", "support", apiKey, nil, provider.ErrNotFound},
		{"wrong key", session, wrongKey, nil, provider.ErrUnauthorized},
		{"session not WORKING (422)", session, apiKey, &sim.Fault{Op: sim.OpAccount, Status: 422, Body: notWorking}, provider.ErrUnavailable},
		{"session waiting for a QR scan", session, apiKey, &sim.Fault{Op: sim.OpAccount, Status: 200,
			Body: `{"name":"default","status":"SCAN_QR_CODE","config":{},"me":null}`}, provider.ErrUnavailable},
		{"answered malformed", session, apiKey, &sim.Fault{Op: sim.OpAccount, Malformed: true}, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			c := providertest.NewClient(t, waha.New, endpoint, tt.account, tt.key)
			err := c.CheckAccount(context.Background())
			providertest.AssertError(t, err, tt.want, apiKey, wrongKey)
			if own := c.(provider.Identity).OwnNumber(); (err == nil) != (own == self) {
				t.Errorf("OwnNumber %q after CheckAccount answered %v", own, err)
			}
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
		{"add", roster.OpAdd, []roster.Phone{newbie}, []provider.Result{provider.ResultApplied}, roster.RoleMember},
		{"remove", roster.OpRemove, []roster.Phone{member}, []provider.Result{provider.ResultApplied}, ""},
		{"promote", roster.OpPromote, []roster.Phone{member}, []provider.Result{provider.ResultApplied}, roster.RoleAdmin},
		{"demote", roster.OpDemote, []roster.Phone{admin}, []provider.Result{provider.ResultApplied}, roster.RoleMember},
		{"demote the creator", roster.OpDemote, []roster.Phone{creator}, []provider.Result{provider.ResultRejected}, roster.RoleSuperAdmin},
		{"remove a non-member", roster.OpRemove, []roster.Phone{newbie}, []provider.Result{provider.ResultRejected}, ""},
		{"promote two", roster.OpPromote, []roster.Phone{member, newbie}, []provider.Result{provider.ResultApplied, provider.ResultRejected}, roster.RoleAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			got, err := providertest.NewClient(t, waha.New, endpoint, session, apiKey).Change(context.Background(), group, tt.op, tt.members)
			if err != nil {
				t.Fatal(err)
			}
			results := make([]provider.Result, len(got))
			for i, o := range got {
				results[i] = o.Result
			}
			if !reflect.DeepEqual(results, tt.want) {
				t.Errorf("results %v, want %v", results, tt.want)
			}
			if r := providertest.Roles(t, s, group)[tt.members[0]]; r != tt.roleNow {
				t.Errorf("role of %s now %q, want %q", tt.members[0].E164(), r, tt.roleNow)
			}
		})
	}
}

// TestAddOutcomes adds one number of each kind to the group with one seat left, in one call.
func TestAddOutcomes(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	got := providertest.AssertAddOutcomes(t, providertest.NewClient(t, waha.New, endpoint, session, apiKey), fullGroup, []providertest.AddCase{
		{Member: newbie, Code: 200, Want: provider.ResultApplied}, // takes the last seat
		{Member: member, Code: 409, Want: provider.ResultUnchanged},
		{Member: private, Code: 403, Want: provider.ResultInviteRequired},
		{Member: unregistered, Code: 404, Want: provider.ResultNotOnWhatsApp},
		{Member: another, Code: 419, Want: provider.ResultGroupFull},
	})
	if !strings.Contains(got[2].Message, "invite") {
		t.Errorf("privacy outcome message %q does not mention the invite", got[2].Message)
	}
	got, err := providertest.NewClient(t, waha.New, endpoint, session, apiKey).Change(context.Background(), group, roster.OpAdd, []roster.Phone{recentlyLeft})
	if err != nil || got[0].Result != provider.ResultApplied {
		// recentlyLeft only left the nearly full group.
		t.Errorf("add to another group: %+v, %v", got, err)
	}
	if _, in := providertest.Roles(t, s, fullGroup)[newbie]; !in {
		t.Error("the addable number was not added")
	}
}

func TestBatchSizeRefusedBeforeCalling(t *testing.T) {
	providertest.AssertRefusedBeforeCalling(t, simClient, group, providertest.Numbers("+4477009100%02d", waha.MaxBatch+1), apiKey, wrongKey)
}

func TestWholeCallErrors(t *testing.T) {
	notWorking := string(providertest.Fixture(t, "session_not_working.json"))
	tests := []struct {
		name, account, key string
		fault              *sim.Fault
		call               providertest.Call
		want               error
	}{
		{"add as a non-admin", session, apiKey, nil, providertest.Change(roster.OpAdd, memberGroup, newbie), provider.ErrNotAdmin},
		{"promote as a non-admin", session, apiKey, nil, providertest.Change(roster.OpPromote, memberGroup, creator), provider.ErrNotAdmin},
		{"remove in a group the session is not in", session, apiKey, nil, providertest.Change(roster.OpRemove, otherGroup, creator), provider.ErrNotAdmin},
		{"read a group the session is not in", session, apiKey, nil, providertest.Read(otherGroup), provider.ErrNotFound},
		{"read an unknown group", session, apiKey, nil, providertest.Read("120363042999999999@g.us"), provider.ErrNotFound},
		{"add to an unknown group", session, apiKey, nil, providertest.Change(roster.OpAdd, "120363042999999999@g.us", newbie), provider.ErrNotFound},
		{"read by a 2Chat id", session, apiKey, nil, providertest.Read("WAG45b0f301-9203-4660-8b57-b51a6c2742a5"), provider.ErrInvalidRequest},
		{"read in another session", "support", apiKey, nil, providertest.Read(group), provider.ErrNotFound},
		{"read with a wrong key", session, wrongKey, nil, providertest.Read(group), provider.ErrUnauthorized},
		{"add with a wrong key", session, wrongKey, nil, providertest.Change(roster.OpAdd, group, newbie), provider.ErrUnauthorized},
		{"read while the session is not WORKING", session, apiKey, &sim.Fault{Op: sim.OpRead, Status: 422, Body: notWorking}, providertest.Read(group), provider.ErrUnavailable},
		{"add while the session is not WORKING", session, apiKey, &sim.Fault{Op: sim.OpAdd, Status: 422, Body: notWorking}, providertest.Change(roster.OpAdd, group, newbie), provider.ErrUnavailable},
		{"an engine without the method (422)", session, apiKey, &sim.Fault{Op: sim.OpAdd, Status: 422,
			Body: `{"statusCode":422,"message":"The method is not implemented for the engine","error":"Unprocessable Entity"}`}, providertest.Change(roster.OpAdd, group, newbie), provider.ErrInvalidRequest},
		{"WhatsApp's rate-overlimit", session, apiKey, &sim.Fault{Op: sim.OpAdd, Status: 500,
			Body: `{"statusCode":500,"exception":{"message":"rate-overlimit","name":"Error"},"request":{},"version":"x"}`}, providertest.Change(roster.OpAdd, group, newbie), provider.ErrRateLimited},
		{"read answered 500", session, apiKey, &sim.Fault{Status: 500}, providertest.Read(group), provider.ErrUnavailable},
		{"remove answered 503", session, apiKey, &sim.Fault{Status: 503}, providertest.Change(roster.OpRemove, group, member), provider.ErrUnavailable},
		{"read answered malformed", session, apiKey, &sim.Fault{Op: sim.OpRead, Malformed: true}, providertest.Read(group), provider.ErrUnavailable},
		{"the session read answered malformed", session, apiKey, &sim.Fault{Op: sim.OpAccount, Malformed: true}, providertest.Read(group), provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			providertest.AssertFailed(t, tt.call(context.Background(), providertest.NewClient(t, waha.New, endpoint, tt.account, tt.key)), tt.want, apiKey, wrongKey)
		})
	}
}

func TestRateLimited(t *testing.T) {
	providertest.AssertRateLimited(t, simClient, group, newbie, apiKey, wrongKey)
}

// simClient is the client under test for the simulator at endpoint, acting as the session with apiKey.
func simClient(t *testing.T, endpoint string) provider.Client {
	return providertest.NewClient(t, waha.New, endpoint, session, apiKey)
}
