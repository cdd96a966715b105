package wawp_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/sim/simtest"
	_ "github.com/wagov/wagov/internal/sim/wawp"
)

// The accounts of these tests, over the people and groups of the WAHA dialect's world.
const (
	token      = "wawp-token-1" // acme: instance 4F2A9C1B7E3D, number +12123334444
	instanceID = "4F2A9C1B7E3D"
	otherToken = "wawp-token-2" // other: instance 9B8C7D6E5F4A, number +12125550100
	otherID    = "9B8C7D6E5F4A"
	group      = "120363042000000001@g.us" // acme is an admin, other is absent
	small      = "120363042000000002@g.us" // maxSize 3; acme created it, other is a member
	lidGroup   = "120363042000000003@g.us"
	rewrites   = "120363042000000004@g.us" // +553187650001, a Brazilian mobile without its ninth digit
	self       = "+12123334444"
	creator    = "+12125550199"
	member     = "+447700900002"
)

var accounts = []sim.Account{
	{Name: "acme-wawp", Type: "Wawp", APIKey: token, Numbers: []string{self}, Session: instanceID},
	{Name: "other-wawp", Type: "Wawp", APIKey: otherToken, Numbers: []string{"+12125550100"}, Session: otherID},
}

// world is the simulator a test runs against.
type world struct{ *simtest.Server }

// start serves the WAHA dialect's world with accounts for one test.
func start(t *testing.T) world {
	t.Helper()
	seed := simtest.LoadSeed(t, "../waha/testdata/world.yaml")
	seed.Accounts = accounts
	return world{simtest.Start(t, seed)}
}

// do sends one JSON request; query is sent as given.
func (w world) do(t *testing.T, method, path string, query url.Values, body string) (int, []byte) {
	t.Helper()
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	status, _, b := w.Do(t, method, path, http.Header{"Content-Type": {"application/json"}}, body)
	return status, b
}

func auth(instance, accessToken string) url.Values {
	return url.Values{"instance_id": {instance}, "access_token": {accessToken}}
}

// write posts {participants:[{id}]} as acme to one of group's write paths.
func (w world) write(t *testing.T, group, path string, ids ...string) (int, []byte) {
	t.Helper()
	return w.do(t, http.MethodPost, "/v2/groups/"+url.PathEscape(group)+"/"+path, auth(instanceID, token), simtest.ParticipantsRequest(ids...))
}

// TestDocumentedExamples replays the request samples of Wawp's group pages (seed 003 and the
// add and participants pages): instance 123456789, token 123456789, group 1234567890@g.us,
// participant 1234567890@c.us, the path written with "@" and with "%40".
func TestDocumentedExamples(t *testing.T) {
	docs := sim.Seed{
		Accounts: []sim.Account{{Name: "docs", Type: "Wawp", APIKey: "123456789", Numbers: []string{"+12025550123"}, Session: "123456789"}},
		Groups: []sim.SeedGroup{{ID: "1234567890@g.us", Name: "Docs", Participants: []sim.SeedMember{
			{Phone: "+12025550123", Role: "superadmin"}, {Phone: "+1234567890"},
		}}},
	}
	q := auth("123456789", "123456789")
	body := `{"participants": [{"id": "1234567890@c.us"}]}`
	t.Run("promote", func(t *testing.T) {
		w := world{simtest.Start(t, docs)}
		status, got := w.do(t, http.MethodPost, "/v2/groups/1234567890@g.us/admin/promote", q, body)
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, got)
		}
		simtest.AssertJSON(t, got, `{"ok": true}`)
		if r := simtest.Roles(t, w.Sim, "1234567890@g.us")["+1234567890"]; r != "admin" {
			t.Errorf("role after promote %q", r)
		}
	})
	t.Run("participants", func(t *testing.T) {
		w := world{simtest.Start(t, docs)}
		status, got := w.do(t, http.MethodGet, "/v2/groups/1234567890%40g.us/participants", q, "")
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, got)
		}
		simtest.AssertJSON(t, got, `[
			{"id": {"server": "c.us", "user": "12025550123", "_serialized": "12025550123@c.us"}, "isAdmin": true, "isSuperAdmin": true},
			{"id": {"server": "c.us", "user": "1234567890", "_serialized": "1234567890@c.us"}, "isAdmin": false, "isSuperAdmin": false}]`)
	})
	t.Run("add an existing member", func(t *testing.T) {
		w := world{simtest.Start(t, docs)}
		status, got := w.do(t, http.MethodPost, "/v2/groups/1234567890@g.us/participants/add", q, body)
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, got)
		}
		simtest.AssertJSON(t, got, `{"1234567890@c.us": {"code": 409, "message": "The participant is already a group member", "isInviteV4Sent": false}}`)
	})
}

func TestMe(t *testing.T) {
	tests := []struct {
		name   string
		query  url.Values
		status int
		want   string
	}{
		{"own instance", auth(instanceID, token), 200, `{"id": "12123334444@c.us", "pushName": "acme-wawp"}`},
		{"no instance_id", url.Values{"access_token": {token}}, 400,
			`{"status": 400, "message": "Missing Required Parameter(s): instance_id", "error": "Bad Request"}`},
		{"another token's instance", auth(otherID, token), 404,
			`{"status": 404, "message": "instance 9B8C7D6E5F4A not found", "error": "Not Found"}`},
		{"no access_token", url.Values{"instance_id": {instanceID}}, 401,
			`{"status": 401, "message": "invalid or missing API key", "error": "Unauthorized"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, got := w.do(t, http.MethodGet, "/v2/session/me", tt.query, "")
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, got)
			}
			simtest.AssertJSON(t, got, tt.want)
		})
	}
}

func TestParticipantsOfALIDGroup(t *testing.T) {
	w := start(t)
	status, got := w.do(t, http.MethodGet, "/v2/groups/"+lidGroup+"/participants", auth(instanceID, token), "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, got)
	}
	simtest.AssertJSON(t, got, `[
		{"id": {"server": "lid", "user": "118230041276650", "_serialized": "118230041276650@lid"}, "isAdmin": true, "isSuperAdmin": true},
		{"id": {"server": "lid", "user": "90871234567", "_serialized": "90871234567@lid"}, "isAdmin": true, "isSuperAdmin": false},
		{"id": {"server": "lid", "user": "205227043110953", "_serialized": "205227043110953@lid"}, "isAdmin": false, "isSuperAdmin": false},
		{"id": {"server": "c.us", "user": "447700900003", "_serialized": "447700900003@c.us"}, "isAdmin": false, "isSuperAdmin": false}]`)
}

func TestLIDs(t *testing.T) {
	tests := []struct {
		name   string
		query  url.Values
		status int
		want   string
	}{
		{"all", nil, 200, `[
			{"lid": "118230041276650@lid", "pn": "12125550199@c.us"},
			{"lid": "205227043110953@lid", "pn": "447700900002@c.us"},
			{"lid": "90871234567@lid", "pn": "12123334444@c.us"}]`},
		{"a page", url.Values{"limit": {"1"}, "offset": {"1"}}, 200, `[{"lid": "205227043110953@lid", "pn": "447700900002@c.us"}]`},
		{"past the end", url.Values{"offset": {"7"}}, 200, `[]`},
		{"bad limit", url.Values{"limit": {"-1"}}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			q := auth(instanceID, token)
			for k, v := range tt.query {
				q[k] = v
			}
			status, got := w.do(t, http.MethodGet, "/v2/lids", q, "")
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, got)
			}
			if tt.want != "" {
				simtest.AssertJSON(t, got, tt.want)
			}
		})
	}
	t.Run("another instance knows only its groups' LIDs", func(t *testing.T) {
		w := start(t)
		_, got := w.do(t, http.MethodGet, "/v2/lids", auth(otherID, otherToken), "")
		simtest.AssertJSON(t, got, `[{"lid": "90871234567@lid", "pn": "12123334444@c.us"}]`)
	})
}

func TestAddCodes(t *testing.T) {
	w := start(t)
	status, got := w.write(t, group, "participants/add",
		"447700176576@c.us", "447700900002@c.us", "447700900001@c.us", "15550000000@c.us", "17137150000@c.us")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, got)
	}
	var results map[string]struct {
		Code           int  `json:"code"`
		IsInviteV4Sent bool `json:"isInviteV4Sent"`
	}
	if err := json.Unmarshal(got, &results); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"447700176576@c.us": 200, "447700900002@c.us": 409, "447700900001@c.us": 403, "15550000000@c.us": 404, "17137150000@c.us": 408}
	for id, code := range want {
		if r := results[id]; r.Code != code || r.IsInviteV4Sent != (code == 403) {
			t.Errorf("%s: %+v, want code %d", id, r, code)
		}
	}
	if r := simtest.Roles(t, w.Sim, group)["+447700176576"]; r != "member" {
		t.Errorf("the addable number is %q", r)
	}
	_, got = w.write(t, small, "participants/add", "447700176576@c.us", "17137157533@c.us")
	if !strings.Contains(string(got), `"17137157533@c.us":{"code":419`) {
		t.Errorf("a full group does not answer 419: %s", got)
	}
}

func TestChanges(t *testing.T) {
	tests := []struct {
		name, path string
		phones     []string
		status     int
		want       map[string]string // roles afterwards of the phones named
		errorHas   string
	}{
		{"promote a member", "admin/promote", []string{member}, 200, map[string]string{member: "admin"}, ""},
		{"promote an admin", "admin/promote", []string{self}, 200, map[string]string{self: "admin"}, ""},
		{"demote an admin", "admin/demote", []string{self}, 200, map[string]string{self: "member"}, ""},
		{"demote a member", "admin/demote", []string{member}, 200, map[string]string{member: "member"}, ""},
		{"remove a member", "participants/remove", []string{member}, 200, map[string]string{member: ""}, ""},
		{"remove a non-member", "participants/remove", []string{"+447700176576"}, 200, map[string]string{"+447700176576": ""}, ""},
		{"remove the creator", "participants/remove", []string{creator}, 200, map[string]string{creator: "superadmin"}, ""},
		{"promote a non-member refuses the whole call", "admin/promote", []string{member, "+447700176576"}, 400,
			map[string]string{member: "member"}, "not a member"},
		{"demote the creator refuses the whole call", "admin/demote", []string{self, creator}, 400,
			map[string]string{self: "admin", creator: "superadmin"}, "original creator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			ids := make([]string, len(tt.phones))
			for i, p := range tt.phones {
				ids[i] = strings.TrimPrefix(p, "+") + "@c.us"
			}
			status, got := w.write(t, group, tt.path, ids...)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, got)
			}
			if tt.status == 200 {
				simtest.AssertJSON(t, got, `{"ok": true}`)
			} else if !strings.Contains(string(got), tt.errorHas) || !strings.Contains(string(got), `"status":400`) {
				t.Errorf("answer %s, want a 400 saying %q", got, tt.errorHas)
			}
			roles := simtest.Roles(t, w.Sim, group)
			for p, r := range tt.want {
				if roles[p] != r {
					t.Errorf("%s: role %q, want %q", p, roles[p], r)
				}
			}
		})
	}
}

// TestWritesByTarget: Wawp's engine is WEBJS, which in a LID-addressed group answers a remove,
// promote or demote naming a member by phone as done and changes nothing (devlikeapro/waha#1264,
// wwebjs#3602); naming the member's LID works. Either form of a rewritten Brazilian mobile names
// the one member, so promoting it is no promote of a non-member.
func TestWritesByTarget(t *testing.T) {
	const memberLID = "205227043110953@lid"
	tests := []struct {
		name, group, path, id, phone, roleAfter string
	}{
		{"promote by phone in a LID group", lidGroup, "admin/promote", "447700900002@c.us", member, "member"},
		{"promote by LID in a LID group", lidGroup, "admin/promote", memberLID, member, "admin"},
		{"demote by phone in a LID group", lidGroup, "admin/demote", "12123334444@c.us", self, "admin"},
		{"demote by LID in a LID group", lidGroup, "admin/demote", "90871234567@lid", self, "member"},
		{"remove by phone in a LID group", lidGroup, "participants/remove", "447700900002@c.us", member, "member"},
		{"remove by LID in a LID group", lidGroup, "participants/remove", memberLID, member, ""},
		{"promote the ninth-digit form of a member filed without it", rewrites, "admin/promote", "5531987650001@c.us", "+553187650001", "admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, got := w.write(t, tt.group, tt.path, tt.id)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, got)
			}
			simtest.AssertJSON(t, got, `{"ok": true}`)
			if role := simtest.Roles(t, w.Sim, tt.group)[tt.phone]; role != tt.roleAfter {
				t.Errorf("role of %s after %q, want %q", tt.phone, role, tt.roleAfter)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	add := simtest.ParticipantsRequest("447700176576@c.us")
	tests := []struct {
		name, method, path string
		query              url.Values
		header             http.Header
		body               string
		status             int
		has                string
	}{
		{"token in a header only", "GET", "/v2/groups/" + group + "/participants", url.Values{"instance_id": {instanceID}},
			http.Header{"Access-Token": {token}, "X-Api-Key": {token}}, "", 401, `"status":401`},
		{"wrong token", "GET", "/v2/groups/" + group + "/participants", auth(instanceID, "nope"), nil, "", 401, `"error":"Unauthorized"`},
		{"no instance_id", "POST", "/v2/groups/" + group + "/participants/add", url.Values{"access_token": {token}}, nil, add, 400, "instance_id"},
		{"another token's instance", "POST", "/v2/groups/" + group + "/participants/add", auth(otherID, token), nil, add, 404, "not found"},
		{"unknown group", "GET", "/v2/groups/120363042999999999@g.us/participants", auth(instanceID, token), nil, "", 404, "group not found"},
		{"a group the instance is not in", "GET", "/v2/groups/" + group + "/participants", auth(otherID, otherToken), nil, "", 404, "group not found"},
		{"not a group JID", "GET", "/v2/groups/WAG45b0f301/participants", auth(instanceID, token), nil, "", 400, "@g.us"},
		{"write as a plain member", "POST", "/v2/groups/" + small + "/participants/add", auth(otherID, otherToken), nil, add, 403, "Forbidden"},
		{"promote as a plain member", "POST", "/v2/groups/" + small + "/admin/promote", auth(otherID, otherToken), nil,
			simtest.ParticipantsRequest("12123334444@c.us"), 403, "Forbidden"},
		{"write to a group the instance is not in", "POST", "/v2/groups/" + group + "/participants/remove", auth(otherID, otherToken), nil,
			simtest.ParticipantsRequest("447700900002@c.us"), 403, "Forbidden"},
		{"a +E164 id", "POST", "/v2/groups/" + group + "/participants/add", auth(instanceID, token), nil, simtest.ParticipantsRequest("+447700176576"), 400, "participants.0.id"},
		{"ids as strings", "POST", "/v2/groups/" + group + "/participants/add", auth(instanceID, token), nil, `{"participants":["447700176576@c.us"]}`, 400, "invalid JSON"},
		{"WAHA's path and auth", "GET", "/api/default/groups/" + group + "/participants/v2", auth(instanceID, token), nil, "", 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			before := simtest.Roles(t, w.Sim, small)
			status, _, got := w.Do(t, tt.method, tt.path+"?"+tt.query.Encode(), tt.header, tt.body)
			if status != tt.status || !strings.Contains(string(got), tt.has) {
				t.Fatalf("status %d %s, want %d with %q", status, got, tt.status, tt.has)
			}
			if after := simtest.Roles(t, w.Sim, small); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused call changed the group: %v → %v", before, after)
			}
		})
	}
}

func TestCallLogHoldsNoToken(t *testing.T) {
	w := start(t)
	w.do(t, http.MethodGet, "/v2/session/me", auth(instanceID, token), "")
	w.do(t, http.MethodGet, "/v2/groups/"+group+"/participants", auth(instanceID, token), "")
	w.write(t, group, "participants/add", "447700176576@c.us", "17137157533@c.us")
	w.write(t, group, "admin/promote", "447700176576@c.us")
	w.write(t, group, "admin/demote", "447700176576@c.us")
	w.write(t, group, "participants/remove", "447700176576@c.us")
	call := func(op, grp, method, path string, members int) sim.Call {
		return sim.Call{Time: simtest.Epoch, Provider: "Wawp", Account: "acme-wawp", Op: op, Group: grp, Method: method, Path: path, Status: 200, Members: members}
	}
	base := "/v2/groups/" + group
	want := []sim.Call{
		call(sim.OpAccount, "", "GET", "/v2/session/me", 0),
		call(sim.OpRead, group, "GET", base+"/participants", 0),
		call(sim.OpAdd, group, "POST", base+"/participants/add", 2),
		call(sim.OpPromote, group, "POST", base+"/admin/promote", 1),
		call(sim.OpDemote, group, "POST", base+"/admin/demote", 1),
		call(sim.OpRemove, group, "POST", base+"/participants/remove", 1),
	}
	got := w.Sim.Calls()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("calls\n%+v\nwant\n%+v", got, want)
	}
	if b, _ := json.Marshal(got); strings.Contains(string(b), token) {
		t.Errorf("the call log holds the access token: %s", b)
	}
}
