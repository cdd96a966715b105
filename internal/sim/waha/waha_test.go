package waha_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/sim/simtest"
	_ "github.com/wagov/wagov/internal/sim/waha"
)

const (
	key      = "waha-key-1" // acme-waha: session "default", number +12123334444
	otherKey = "waha-key-2" // other-waha: session "support", number +12125550100
	group    = "120363042000000001@g.us"
	small    = "120363042000000002@g.us" // maxSize 3; +12123334444 created it, +12125550100 is a member
	lidGroup = "120363042000000003@g.us"
	rewrites = "120363042000000004@g.us" // +553187650001, a Brazilian mobile without its ninth digit
	self     = "+12123334444"
	creator  = "+12125550199"
	member   = "+447700900002"
)

// world is the simulator a test runs against.
type world struct{ *simtest.Server }

// start serves testdata/world.yaml for one test.
func start(t *testing.T) world {
	t.Helper()
	return world{simtest.Start(t, simtest.LoadSeed(t, "testdata/world.yaml"))}
}

// do sends one WAHA request with the given X-Api-Key ("" for none).
func (w world) do(t *testing.T, method, path, apiKey, body string) (int, http.Header, []byte) {
	t.Helper()
	return w.Do(t, method, path, simtest.JSONHeader("X-Api-Key", apiKey), body)
}

// write posts a ParticipantsRequest naming ids to one of the write paths of group.
func (w world) write(t *testing.T, group, path string, ids ...string) (int, []byte) {
	t.Helper()
	status, _, b := w.do(t, http.MethodPost, "/api/default/groups/"+group+"/"+path, key, simtest.ParticipantsRequest(ids...))
	return status, b
}

func TestSessionInfo(t *testing.T) {
	w := start(t)
	status, _, body := w.do(t, http.MethodGet, "/api/sessions/default", key, "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{"name": "default", "status": "WORKING", "config": {},
		"me": {"id": "12123334444@c.us", "pushName": "acme-waha"}, "engine": {"engine": "NOWEB"}}`)

	status, _, body = w.do(t, http.MethodGet, "/api/sessions/support", key, "")
	if status != http.StatusNotFound {
		t.Fatalf("another account's session: status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{"statusCode": 404, "message": "Session not found", "error": "Not Found"}`)
}

func TestParticipantsV2(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"phone-addressed", "/api/default/groups/" + group + "/participants/v2", `[
			{"id": "12125550199@c.us", "role": "superadmin"},
			{"id": "12123334444@c.us", "role": "admin"},
			{"id": "447700900002@c.us", "role": "participant"}]`},
		{"@ percent-encoded", "/api/default/groups/120363042000000001%40g.us/participants/v2", `[
			{"id": "12125550199@c.us", "role": "superadmin"},
			{"id": "12123334444@c.us", "role": "admin"},
			{"id": "447700900002@c.us", "role": "participant"}]`},
		{"LID-addressed: the LID with pn, or the number where the world knows no LID",
			"/api/default/groups/" + lidGroup + "/participants/v2", `[
			{"id": "118230041276650@lid", "pn": "12125550199@c.us", "role": "superadmin"},
			{"id": "90871234567@lid", "pn": "12123334444@c.us", "role": "admin"},
			{"id": "205227043110953@lid", "pn": "447700900002@c.us", "role": "participant"},
			{"id": "447700900003@c.us", "role": "participant"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, _, body := w.do(t, http.MethodGet, tt.path, key, "")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			simtest.AssertJSON(t, body, tt.want)
		})
	}
}

func TestLIDLookup(t *testing.T) {
	tests := []struct{ lid, want string }{
		{"205227043110953@lid", `{"lid": "205227043110953@lid", "pn": "447700900002@c.us"}`},
		{"205227043110953%40lid", `{"lid": "205227043110953@lid", "pn": "447700900002@c.us"}`},
		{"205227043110953", `{"lid": "205227043110953@lid", "pn": "447700900002@c.us"}`},
		{"999999999@lid", `{"lid": "999999999@lid", "pn": null}`},
	}
	for _, tt := range tests {
		t.Run(tt.lid, func(t *testing.T) {
			w := start(t)
			status, _, body := w.do(t, http.MethodGet, "/api/default/lids/"+tt.lid, key, "")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			simtest.AssertJSON(t, body, tt.want)
		})
	}
}

// result is one element of NOWEB's answer to a write.
type result struct {
	Status  string `json:"status"`
	JID     string `json:"jid"`
	Content struct {
		Tag     string            `json:"tag"`
		Attrs   map[string]string `json:"attrs"`
		Content []struct {
			Tag   string            `json:"tag"`
			Attrs map[string]string `json:"attrs"`
		} `json:"content"`
	} `json:"content"`
}

func results(t *testing.T, body []byte) []result {
	t.Helper()
	var out []result
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("answer is not NOWEB's result list: %v\n%s", err, body)
	}
	return out
}

func TestDocumentedWriteShape(t *testing.T) {
	w := start(t)
	status, body := w.write(t, group, "participants/add", "447700176576@c.us")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `[{"status": "200", "jid": "447700176576@s.whatsapp.net",
		"content": {"tag": "participant", "attrs": {"jid": "447700176576@s.whatsapp.net"}}}]`)
}

func TestAddCodes(t *testing.T) {
	tests := []struct {
		name, group, id, status, roleAfter string
	}{
		{"added", group, "447700176576@c.us", "200", "member"},
		{"added by s.whatsapp.net id", group, "447700176576@s.whatsapp.net", "200", "member"},
		{"already a member", group, "447700900002@c.us", "409", "member"},
		{"already a member, by LID", group, "205227043110953@lid", "409", "member"},
		{"privacy", group, "447700900001@c.us", "403", ""},
		{"not on WhatsApp", group, "15550000000@c.us", "404", ""},
		{"recently left", group, "17137150000@c.us", "408", ""},
		{"the last seat of a small group", small, "447700176576@c.us", "200", "member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.write(t, tt.group, "participants/add", tt.id)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			r := results(t, body)
			if len(r) != 1 || r[0].Status != tt.status {
				t.Fatalf("results %s, want status %q", body, tt.status)
			}
			phone := "+" + strings.Split(tt.id, "@")[0]
			if strings.HasSuffix(tt.id, "@lid") {
				phone = member
			}
			if got := simtest.Roles(t, w.Sim, tt.group)[phone]; got != tt.roleAfter {
				t.Errorf("role after %q, want %q", got, tt.roleAfter)
			}
			if tt.status == "403" {
				req := r[0].Content.Content
				if len(req) != 1 || req[0].Tag != "add_request" || req[0].Attrs["code"] == "" || req[0].Attrs["expiration"] == "" {
					t.Errorf("privacy refusal carries no add_request: %s", body)
				}
			}
		})
	}
	t.Run("one seat left, two numbers", func(t *testing.T) {
		w := start(t)
		_, body := w.write(t, small, "participants/add", "447700176576@c.us", "17137157533@c.us")
		if r := results(t, body); len(r) != 2 || r[0].Status != "200" || r[1].Status != "419" || r[1].Content.Attrs["error"] != "419" {
			t.Errorf("want 200 then 419, got %s", body)
		}
	})
}

func TestRoleChangeCodes(t *testing.T) {
	tests := []struct {
		name, path, phone, status, roleAfter string
	}{
		{"promote a member", "admin/promote", member, "200", "admin"},
		{"promote an admin", "admin/promote", self, "200", "admin"},
		{"promote a non-member", "admin/promote", "+447700176576", "404", ""},
		{"demote an admin", "admin/demote", self, "200", "member"},
		{"demote a member", "admin/demote", member, "200", "member"},
		{"demote the creator", "admin/demote", creator, "403", "superadmin"},
		{"remove a member", "participants/remove", member, "200", ""},
		{"remove the creator", "participants/remove", creator, "403", "superadmin"},
		{"remove a non-member", "participants/remove", "+447700176576", "404", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.write(t, group, tt.path, strings.TrimPrefix(tt.phone, "+")+"@c.us")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			if r := results(t, body); len(r) != 1 || r[0].Status != tt.status {
				t.Errorf("results %s, want status %q", body, tt.status)
			}
			if got := simtest.Roles(t, w.Sim, group)[tt.phone]; got != tt.roleAfter {
				t.Errorf("role after %q, want %q", got, tt.roleAfter)
			}
		})
	}
}

// TestWritesByTarget: in a LID-addressed group a remove, promote or demote naming a member by
// phone answers "200" and changes nothing, as WEBJS does there (devlikeapro/waha#1264); naming
// the member's LID works, and the answer echoes the LID. A phone-addressed group takes either,
// and either form of a rewritten Brazilian mobile.
func TestWritesByTarget(t *testing.T) {
	const memberLID, selfLID = "205227043110953@lid", "90871234567@lid"
	tests := []struct {
		name, group, path, id, phone, roleAfter, jid string
	}{
		{"promote by phone in a LID group", lidGroup, "admin/promote", "447700900002@c.us", member, "member", "447700900002@s.whatsapp.net"},
		{"promote by LID in a LID group", lidGroup, "admin/promote", memberLID, member, "admin", memberLID},
		{"demote by phone in a LID group", lidGroup, "admin/demote", "12123334444@c.us", self, "admin", "12123334444@s.whatsapp.net"},
		{"demote by LID in a LID group", lidGroup, "admin/demote", selfLID, self, "member", selfLID},
		{"remove by phone in a LID group", lidGroup, "participants/remove", "447700900002@c.us", member, "member", "447700900002@s.whatsapp.net"},
		{"remove by LID in a LID group", lidGroup, "participants/remove", memberLID, member, "", memberLID},
		{"promote by LID in a phone group", group, "admin/promote", memberLID, member, "admin", memberLID},
		{"promote the ninth-digit form of a member filed without it", rewrites, "admin/promote", "5531987650001@c.us", "+553187650001", "admin", "5531987650001@s.whatsapp.net"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.write(t, tt.group, tt.path, tt.id)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			if r := results(t, body); len(r) != 1 || r[0].Status != "200" || r[0].JID != tt.jid {
				t.Errorf("results %s, want status 200 for %s", body, tt.jid)
			}
			if got := simtest.Roles(t, w.Sim, tt.group)[tt.phone]; got != tt.roleAfter {
				t.Errorf("role of %s after %q, want %q", tt.phone, got, tt.roleAfter)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name, apiKey, path, body string
		status                   int
		has                      []string
	}{
		{"another session's name", key, "/api/support/groups/" + group + "/participants/add", simtest.ParticipantsRequest("447700176576@c.us"),
			404, []string{`"statusCode":404`, `We didn't find a session with name 'support'`}},
		{"invalid JSON", key, "/api/default/groups/" + group + "/participants/add", `{"participants":`,
			400, []string{`"statusCode":400`, `"error":"Bad Request"`}},
		{"participants as strings", key, "/api/default/groups/" + group + "/participants/add", `{"participants":["447700176576@c.us"]}`,
			400, []string{`"statusCode":400`}},
		{"no participants", key, "/api/default/groups/" + group + "/admin/promote", `{"participants":[]}`,
			400, []string{"at least 1"}},
		{"a +E164 id", key, "/api/default/groups/" + group + "/participants/add", simtest.ParticipantsRequest("+447700176576"),
			400, []string{"participants.0.id"}},
		{"bare digits", key, "/api/default/groups/" + group + "/admin/demote", simtest.ParticipantsRequest("12125550199", "447700900002@c.us"),
			400, []string{"participants.0.id"}},
		{"an unknown LID", key, "/api/default/groups/" + group + "/participants/remove", simtest.ParticipantsRequest("1@lid"),
			400, []string{"participants.0.id"}},
		{"not a group JID", key, "/api/default/groups/WAG45b0f301/participants/add", simtest.ParticipantsRequest("447700176576@c.us"),
			500, []string{`"exception":{"message":"bad-request"`}},
		{"unknown group", key, "/api/default/groups/120363042999999999@g.us/participants/add", simtest.ParticipantsRequest("447700176576@c.us"),
			500, []string{`"statusCode":500`, `"exception":{"message":"item-not-found"`, `"request":{"path":"/api/default/groups/120363042999999999@g.us/participants/add","method":"POST"`}},
		{"session is only a member", otherKey, "/api/support/groups/" + small + "/participants/add", simtest.ParticipantsRequest("447700176576@c.us"),
			500, []string{`"exception":{"message":"not-authorized"`}},
		{"session is not in the group", otherKey, "/api/support/groups/" + group + "/admin/promote", simtest.ParticipantsRequest("447700900002@c.us"),
			500, []string{`"exception":{"message":"forbidden"`}},
		{"read a group the session is not in", otherKey, "/api/support/groups/" + group + "/participants/v2", "",
			500, []string{`"exception":{"message":"forbidden"`}},
		{"read another session's group list", key, "/api/support/groups/" + group + "/participants/v2", "",
			404, []string{`We didn't find a session`}},
		{"legacy participants path", key, "/api/default/groups/" + group + "/participants", "",
			404, []string{`"statusCode":404`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			before := simtest.Roles(t, w.Sim, group)
			method := http.MethodPost
			if tt.body == "" {
				method = http.MethodGet
			}
			status, _, body := w.do(t, method, tt.path, tt.apiKey, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			simtest.AssertHas(t, body, tt.has...)
			if after := simtest.Roles(t, w.Sim, group); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused call changed the group: %v → %v", before, after)
			}
		})
	}
}

func TestAuthFailures(t *testing.T) {
	for _, apiKey := range []string{"", "wrong-key"} {
		t.Run("key "+apiKey, func(t *testing.T) {
			w := start(t)
			status, _, body := w.do(t, http.MethodGet, "/api/default/groups/"+group+"/participants/v2", apiKey, "")
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", status, body)
			}
			simtest.AssertJSON(t, body, `{"statusCode": 401, "message": "invalid or missing API key", "error": "Unauthorized"}`)
			if calls := w.Sim.Calls(); len(calls) != 1 || calls[0].Account != "" || calls[0].Op != sim.OpRead {
				t.Errorf("call log %+v", calls)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	w := start(t)
	path := "/api/support/groups/" + small + "/participants/v2"
	for range 2 {
		if status, _, body := w.do(t, http.MethodGet, path, otherKey, ""); status != http.StatusOK {
			t.Fatalf("status %d within the burst: %s", status, body)
		}
	}
	status, header, body := w.do(t, http.MethodGet, path, otherKey, "")
	if status != http.StatusTooManyRequests || header.Get("Retry-After") != "1" {
		t.Fatalf("status %d, Retry-After %q: %s", status, header.Get("Retry-After"), body)
	}
	simtest.AssertJSON(t, body, `{"statusCode": 429, "message": "rate limit exceeded", "error": "Too Many Requests"}`)
}

// TestFaultBodies shows the answers a test injects that the world never gives by itself: a
// session that is not WORKING, and GOWS's empty participant list (devlikeapro/waha#1471).
func TestFaultBodies(t *testing.T) {
	const notWorking = `{"error":"Session status is not as expected. Try again later or restart the session",` +
		`"session":"default","status":"SCAN_QR_CODE","expected":["WORKING"]}`
	tests := []struct {
		name  string
		fault sim.Fault
		want  int
		body  string
	}{
		{"session not WORKING", sim.Fault{Op: sim.OpRead, Status: 422, Body: notWorking}, 422, notWorking},
		{"empty participant list", sim.Fault{Op: sim.OpRead, Status: 200, Body: "[]"}, 200, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			w.Sim.InjectFault(tt.fault)
			status, _, body := w.do(t, http.MethodGet, "/api/default/groups/"+group+"/participants/v2", key, "")
			if status != tt.want {
				t.Fatalf("status %d, want %d", status, tt.want)
			}
			simtest.AssertJSON(t, body, tt.body)
		})
	}
}

func TestCallLog(t *testing.T) {
	w := start(t)
	w.do(t, http.MethodGet, "/api/sessions/default", key, "")
	w.do(t, http.MethodGet, "/api/default/groups/120363042000000001%40g.us/participants/v2", key, "")
	w.write(t, group, "participants/add", "447700176576@c.us", "17137157533@c.us")
	w.write(t, group, "admin/promote", "447700176576@c.us")
	w.write(t, group, "admin/demote", "447700176576@c.us")
	w.write(t, group, "participants/remove", "447700176576@c.us")
	w.do(t, http.MethodGet, "/api/default/lids/205227043110953@lid", key, "")
	w.do(t, http.MethodGet, "/api/default/nope", key, "")
	call := func(op, grp, method, path string, members int) sim.Call {
		return sim.Call{Time: simtest.Epoch, Provider: "WAHA", Account: "acme-waha", Op: op, Group: grp, Method: method, Path: path, Status: 200, Members: members}
	}
	base := "/api/default/groups/" + group
	unknown := call(sim.OpUnknown, "", "GET", "/api/default/nope", 0)
	unknown.Status = 404
	want := []sim.Call{
		call(sim.OpAccount, "", "GET", "/api/sessions/default", 0),
		call(sim.OpRead, group, "GET", base+"/participants/v2", 0),
		call(sim.OpAdd, group, "POST", base+"/participants/add", 2),
		call(sim.OpPromote, group, "POST", base+"/admin/promote", 1),
		call(sim.OpDemote, group, "POST", base+"/admin/demote", 1),
		call(sim.OpRemove, group, "POST", base+"/participants/remove", 1),
		call(sim.OpAccount, "", "GET", "/api/default/lids/205227043110953@lid", 0),
		unknown,
	}
	if got := w.Sim.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls\n%+v\nwant\n%+v", got, want)
	}
}
