package wasend_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/sim/simtest"
	"github.com/wagov/wagov/internal/sim/wasend"
)

// The accounts and groups of testdata/world.yaml.
const (
	key      = "ws-dialect-key-1" // acme: session ses_01HZX8K9Q4, number +12123334444
	otherKey = "ws-dialect-key-2" // other: session ses_other, a plain member of small
	session  = "ses_01HZX8K9Q4"
	nyc      = "120363042000000001@g.us" // acme is an admin; holds the docs' +1234567890
	small    = "120363042000000002@g.us" // maxSize 3; acme created it
	lidGroup = "120363042000000003@g.us" // LID-addressed
	creator  = "+12125550199"
	member   = "+447700900002"
	admin    = "+447700900004"
	stranger = "+447700176576"
	brShort  = "+553187650001" // in nyc, listed without Brazil's ninth digit
	lidOwner = "+447700900005" // in lidGroup, by its LID
	lid      = "99887766554433@lid"
)

// world is the simulator a test runs against.
type world struct{ *simtest.Server }

// start serves testdata/world.yaml for one test.
func start(t *testing.T) world {
	t.Helper()
	return world{simtest.Start(t, simtest.LoadSeed(t, "testdata/world.yaml"))}
}

// do sends one request with the given Authorization and Content-Type ("" for none).
func (w world) do(t *testing.T, method, path, auth, contentType, body string) (int, http.Header, []byte) {
	t.Helper()
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return w.Do(t, method, path, h, body)
}

func (w world) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	status, _, body := w.do(t, http.MethodGet, path, "Bearer "+key, "", "")
	return status, body
}

// route is where one write lives in one path set.
type route struct{ method, suffix string }

// writes are the write routes of each path set, by operation.
var writes = map[string]map[string]route{
	wasend.WebsiteMount: {
		"add": {http.MethodPost, "/participants/add"}, "remove": {http.MethodDelete, "/participants"},
		"promote": {http.MethodPost, "/participants/promote"}, "demote": {http.MethodPost, "/participants/demote"},
	},
	wasend.SDKMount: {
		"add": {http.MethodPost, "/participants/add"}, "remove": {http.MethodPost, "/participants/remove"},
		"promote": {http.MethodPost, "/admin/promote"}, "demote": {http.MethodPost, "/admin/demote"},
	},
}

// write sends {participants} to op's route of a path set, on the mount given.
func (w world) write(t *testing.T, mount, set, group, op string, participants ...string) (int, []byte) {
	t.Helper()
	rt := writes[set][op]
	body, _ := json.Marshal(map[string]any{"participants": participants})
	status, _, answer := w.do(t, rt.method, mount+"/"+session+"/groups/"+group+rt.suffix, "Bearer "+key, "application/json", string(body))
	return status, answer
}

// assertError checks a refusal: the status and {"success": false, "error": ~has}.
func assertError(t *testing.T, status int, body []byte, wantStatus int, has string) {
	t.Helper()
	var e struct {
		Success *bool  `json:"success"`
		Error   string `json:"error"`
	}
	if status != wantStatus {
		t.Fatalf("status %d, want %d: %s", status, wantStatus, body)
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Success == nil || *e.Success || !strings.Contains(e.Error, has) {
		t.Errorf("want {success:false, error:~%q}, got %s", has, body)
	}
}

// TestDocumentedPromoteExample sends the request of the promote page (seed 001): its second
// participant, 0987654321, is no phone number, so only the first is promoted; alone, the first
// gets the page's own message.
func TestDocumentedPromoteExample(t *testing.T) {
	const docBody = `{
"participants": ["1234567890@s.whatsapp.net", "0987654321@s.whatsapp.net"]
}`
	w := start(t)
	status, _, body := w.do(t, http.MethodPost, "/wasend/"+session+"/groups/"+nyc+"/participants/promote", "Bearer "+key, "application/json", docBody)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{"success": true,
		"promoted": [{"id": "1234567890@s.whatsapp.net", "isAdmin": true, "isSuperAdmin": false}],
		"message": "Promoted 1 of 2 participants; not promoted (already admins or not in the group): 0987654321@s.whatsapp.net."}`)
	if r := simtest.Roles(t, w.Sim, nyc)["+1234567890"]; r != "admin" {
		t.Errorf("+1234567890 is %q, want admin", r)
	}

	w = start(t)
	_, body = w.write(t, wasend.WebsiteMount, wasend.WebsiteMount, nyc, "promote", "1234567890@s.whatsapp.net")
	simtest.AssertJSON(t, body, `{"success": true,
		"promoted": [{"id": "1234567890@s.whatsapp.net", "isAdmin": true, "isSuperAdmin": false}],
		"message": "Selected participants were successfully promoted."}`)
}

func TestReads(t *testing.T) {
	web, sdk := "/wasend/"+session+"/groups", "/wasend-sdk/"+session+"/groups"
	tests := []struct {
		name, auth, path string
		status           int
		has              []string
	}{
		{"participants", key, web + "/" + nyc + "/participants", 200, []string{
			`{"success":true,"participants":[{"jid":"12125550199@c.us","phoneNumber":"+12125550199","isAdmin":true,"isSuperAdmin":true,"joinedAt":null,"displayName":""}`,
			`{"jid":"12123334444@c.us","phoneNumber":"+12123334444","isAdmin":true,"isSuperAdmin":false`,
			`{"jid":"447700900002@c.us","phoneNumber":"+447700900002","isAdmin":false,"isSuperAdmin":false`,
			`"error":null}`,
		}},
		{"SDK participants", key, sdk + "/" + nyc + "/participants", 200, []string{`[{"jid":"12125550199@c.us","phoneNumber":"+12125550199"`}},
		{"LID-addressed participants", key, web + "/" + lidGroup + "/participants", 200, []string{
			`{"jid":"99887766554433@lid","phoneNumber":"+447700900005","lid":"99887766554433@lid","isAdmin":false`,
		}},
		{"info", key, web + "/" + nyc + "/info", 200, []string{
			`{"success":true,"info":{"id":"120363042000000001@g.us","subject":"Field agents NYC","owner":{"jid":"12125550199@c.us","phoneNumber":"+12125550199"},"participants":[{"jid":"12125550199@c.us"`,
			`"settings":{}`,
		}},
		{"SDK group", key, sdk + "/" + nyc, 200, []string{
			`{"jid":"120363042000000001@g.us","name":"Field agents NYC","ownerJid":"12125550199@c.us","ownerPn":"+12125550199","addressingMode":"pn","participants":[`,
		}},
		{"list, first page", key, web + "?limit=1", 200, []string{
			`{"groups":[{"jid":"120363042000000001@g.us","name":"Field agents NYC"`,
			`"pagination":{"total":3,"limit":1,"offset":0,"hasMore":true}}`,
		}},
		{"list, last page", key, web + "?limit=5&offset=2", 200, []string{
			`{"groups":[{"jid":"120363042000000003@g.us"`, `"addressingMode":"lid"`,
			`"pagination":{"total":3,"limit":5,"offset":2,"hasMore":false}}`,
		}},
		{"SDK list", key, sdk + "?limit=1", 200, []string{`[{"jid":"120363042000000001@g.us"`}},
		{"list of a plain member", otherKey, "/wasend/ses_other/groups", 200, []string{
			`{"groups":[{"jid":"120363042000000002@g.us"`, `"total":1`,
		}},
		{"list with a bad limit", key, web + "?limit=many", 400, []string{`"success":false`, "invalid limit"}},
		{"session", key, "/wasend/sessions/" + session, 200, []string{
			`{"uniqueSessionId":"ses_01HZX8K9Q4","sessionName":"acme","phoneNumber":"+12123334444","status":"WORKING","createdAt":"`,
			`"config":{"enableAccountProtection":false,"enableMessageLogging":false,"enableWebhook":false,"webhookUrl":""}}`,
		}},
		{"SDK session", key, "/wasend-sdk/sessions/" + session, 200, []string{`"phoneNumber":"+12123334444","status":"WORKING"`}},
		{"another session's read", key, "/wasend/sessions/ses_other", 404, []string{`{"success":false,"error":"session not found"}`}},
		{"unpaired session's read", "ws-dialect-key-3", "/wasend/sessions/ses_unpaired", 200, []string{`"phoneNumber":"","status":"SCAN_QR_CODE"`}},
		{"no such collection", key, "/wasend/" + session + "/chats", 404, []string{`"error":"no such endpoint"`}},
		{"another session", key, "/wasend/ses_other/groups", 404, []string{`{"success":false,"error":"session not found"}`}},
		{"unpaired session", "ws-dialect-key-3", "/wasend/ses_unpaired/groups", 422, []string{"not WORKING"}},
		{"group id that is no JID", key, web + "/WAG45b0f301/participants", 400, []string{"invalid groupId"}},
		{"unknown group", key, web + "/120363042000000099@g.us/participants", 404, []string{`"error":"group not found"`}},
		{"group the session is not in", otherKey, "/wasend/ses_other/groups/" + nyc + "/participants", 404, []string{"group not found"}},
		{"info on the SDK mount", key, sdk + "/" + nyc + "/info", 404, []string{`"success":false`}},
		{"SDK group on the website mount", key, web + "/" + nyc, 404, []string{`"success":false`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, _, body := w.do(t, http.MethodGet, tt.path, "Bearer "+tt.auth, "", "")
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			simtest.AssertHas(t, body, tt.has...)
		})
	}
}

// TestPathSets sends every write of each path set to each mount: a mount serves its own set's
// routes (add is the same in both) and answers the other set's with 404, changing nothing.
func TestPathSets(t *testing.T) {
	cases := []struct {
		op, phone, roleAfter string
	}{
		{"add", stranger, "member"},
		{"remove", member, ""},
		{"promote", member, "admin"},
		{"demote", admin, "member"},
	}
	for _, mount := range []string{wasend.WebsiteMount, wasend.SDKMount} {
		for _, set := range []string{wasend.WebsiteMount, wasend.SDKMount} {
			for _, c := range cases {
				t.Run(fmt.Sprintf("%s route of %s on %s", c.op, set, mount), func(t *testing.T) {
					w := start(t)
					before := simtest.Roles(t, w.Sim, nyc)[c.phone]
					status, body := w.write(t, mount, set, nyc, c.op, c.phone)
					served := mount == set || writes[mount][c.op] == writes[set][c.op]
					if !served {
						assertError(t, status, body, http.StatusNotFound, "no such endpoint")
						if r := simtest.Roles(t, w.Sim, nyc)[c.phone]; r != before {
							t.Errorf("an unserved route changed %s: %q → %q", c.phone, before, r)
						}
						return
					}
					if status != http.StatusOK {
						t.Fatalf("status %d: %s", status, body)
					}
					if r := simtest.Roles(t, w.Sim, nyc)[c.phone]; r != c.roleAfter {
						t.Errorf("%s is %q, want %q", c.phone, r, c.roleAfter)
					}
				})
			}
		}
	}
}

func TestAddReasons(t *testing.T) {
	w := start(t)
	status, body := w.write(t, wasend.WebsiteMount, wasend.WebsiteMount, nyc, "add",
		stranger, "447700900002@s.whatsapp.net", "15550000000@c.us", "+447700900001", "+17137150000", "0987654321@s.whatsapp.net")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{"success": true, "data": {
		"added": [{"id": "+447700176576", "reason": "SUCCESS"}],
		"failed": [
			{"id": "447700900002@s.whatsapp.net", "reason": "ALREADY_IN_GROUP"},
			{"id": "15550000000@c.us", "reason": "NOT_FOUND"},
			{"id": "+447700900001", "reason": "PRIVACY_RESTRICTED"},
			{"id": "+17137150000", "reason": "RECENTLY_LEFT"},
			{"id": "0987654321@s.whatsapp.net", "reason": "NOT_FOUND"}]}}`)
	for phone, want := range map[string]string{stranger: "member", "+15550000000": "", "+447700900001": "", "+17137150000": ""} {
		if r := simtest.Roles(t, w.Sim, nyc)[phone]; r != want {
			t.Errorf("%s is %q, want %q", phone, r, want)
		}
	}

	_, body = w.write(t, wasend.WebsiteMount, wasend.WebsiteMount, small, "add", "+447700900003", "99887766554433@lid")
	simtest.AssertJSON(t, body, `{"success": true, "data": {
		"added": [{"id": "+447700900003", "reason": "SUCCESS"}],
		"failed": [{"id": "99887766554433@lid", "reason": "GROUP_FULL"}]}}`)
}

func TestRemoveAndDemoteAnswers(t *testing.T) {
	w := start(t)
	_, body := w.write(t, wasend.WebsiteMount, wasend.WebsiteMount, nyc, "demote", admin, member, stranger, creator)
	simtest.AssertJSON(t, body, `{"success": true, "data": {
		"demoted": [{"id": "+447700900004", "reason": "SUCCESS"}],
		"failed": [
			{"id": "+447700900002", "reason": "NOT_ADMIN"},
			{"id": "+447700176576", "reason": "NOT_FOUND"},
			{"id": "+12125550199", "reason": "NOT_ALLOWED"}]}}`)

	_, body = w.write(t, wasend.WebsiteMount, wasend.WebsiteMount, nyc, "remove", member, stranger, creator)
	simtest.AssertJSON(t, body, `{"success": true, "removed": [{"id": "+447700900002"}],
		"message": "Removed 1 of 3 participants; not removed (not in the group, or the group's owner): +447700176576, +12125550199."}`)

	for phone, want := range map[string]string{admin: "member", member: "", creator: "superadmin"} {
		if r := simtest.Roles(t, w.Sim, nyc)[phone]; r != want {
			t.Errorf("%s is %q, want %q", phone, r, want)
		}
	}
}

// TestLIDAddressedWrites: in a LID-addressed group a remove, promote or demote naming a member
// by phone is answered as done and changes nothing, as the engines of providers.md §12 do;
// naming the member's LID changes the group. Both path sets behave alike.
func TestLIDAddressedWrites(t *testing.T) {
	steps := []struct {
		op, by, roleAfter string // roleAfter "" means not a participant
	}{
		{"promote", lidOwner, "member"}, {"promote", lid, "admin"},
		{"demote", "447700900005@s.whatsapp.net", "admin"}, {"demote", lid, "member"},
		{"remove", lidOwner, "member"}, {"remove", lid, ""},
	}
	for _, mount := range []string{wasend.WebsiteMount, wasend.SDKMount} {
		t.Run(mount, func(t *testing.T) {
			w := start(t)
			for _, st := range steps {
				if status, body := w.write(t, mount, mount, lidGroup, st.op, st.by); status != http.StatusOK {
					t.Fatalf("%s %s: status %d: %s", st.op, st.by, status, body)
				}
				if r := simtest.Roles(t, w.Sim, lidGroup)[lidOwner]; r != st.roleAfter {
					t.Fatalf("after %s %s: %s is %q, want %q", st.op, st.by, lidOwner, r, st.roleAfter)
				}
			}
		})
	}
}

// TestRewrittenNumber: a write naming a Brazilian mobile with its ninth digit reaches the member
// WhatsApp lists without it, and the answer echoes the id as sent.
func TestRewrittenNumber(t *testing.T) {
	w := start(t)
	_, body := w.write(t, wasend.WebsiteMount, wasend.WebsiteMount, nyc, "promote", "+5531987650001")
	simtest.AssertJSON(t, body, `{"success": true,
		"promoted": [{"id": "+5531987650001", "isAdmin": true, "isSuperAdmin": false}],
		"message": "Selected participants were successfully promoted."}`)
	if r := simtest.Roles(t, w.Sim, nyc)[brShort]; r != "admin" {
		t.Errorf("%s is %q, want admin", brShort, r)
	}
	_, body = w.write(t, wasend.WebsiteMount, wasend.WebsiteMount, nyc, "demote", "5531987650001@s.whatsapp.net")
	simtest.AssertJSON(t, body, `{"success": true, "data": {"demoted": [{"id": "5531987650001@s.whatsapp.net", "reason": "SUCCESS"}], "failed": []}}`)
	if r := simtest.Roles(t, w.Sim, nyc)[brShort]; r != "member" {
		t.Errorf("%s is %q, want member", brShort, r)
	}
}

func TestPromoteWithNothingToPromote(t *testing.T) {
	w := start(t)
	status, body := w.write(t, wasend.WebsiteMount, wasend.WebsiteMount, nyc, "promote", admin, stranger)
	assertError(t, status, body, http.StatusUnprocessableEntity, "already admins or not in the group: +447700900004, +447700176576")
}

// TestSDKWritesAnswerBare: the SDK's void routes answer {"success": true} and still change the group.
func TestSDKWritesAnswerBare(t *testing.T) {
	w := start(t)
	for _, c := range []struct{ op, phone, roleAfter string }{
		{"promote", member, "admin"}, {"demote", admin, "member"}, {"remove", member, ""},
	} {
		status, body := w.write(t, wasend.SDKMount, wasend.SDKMount, nyc, c.op, c.phone)
		if status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", c.op, status, body)
		}
		simtest.AssertJSON(t, body, `{"success": true}`)
		if r := simtest.Roles(t, w.Sim, nyc)[c.phone]; r != c.roleAfter {
			t.Errorf("after %s, %s is %q, want %q", c.op, c.phone, r, c.roleAfter)
		}
	}
}

func TestWriteRefusals(t *testing.T) {
	path := func(sess, group string) string { return "/wasend/" + sess + "/groups/" + group }
	tests := []struct {
		name, auth, path, contentType, body string
		status                              int
		errorHas                            string
	}{
		{"not JSON content", key, path(session, nyc), "text/plain", `{"participants":["+447700176576"]}`, 400, "Content-Type"},
		{"invalid JSON", key, path(session, nyc), "application/json", `{"participants":`, 400, "invalid JSON"},
		{"no participants", key, path(session, nyc), "application/json", `{"participants":[]}`, 400, "participants is required"},
		{"participants under another name", key, path(session, nyc), "application/json", `{"members":["+447700176576"]}`, 400, "participants is required"},
		{"bare digits", key, path(session, nyc), "application/json", `{"participants":["447700176576"]}`, 400, "participants[0]: invalid ID format"},
		{"spaced number", key, path(session, nyc), "application/json", `{"participants":["+44 7700 176576"]}`, 400, "invalid ID format"},
		{"group id that is no JID", key, path(session, "WAG45b0f301"), "application/json", `{"participants":["+447700176576"]}`, 400, "invalid groupId"},
		{"unknown group", key, path(session, "120363042000000099@g.us"), "application/json", `{"participants":["+447700176576"]}`, 404, "group not found"},
		{"another session", key, path("ses_other", small), "application/json", `{"participants":["+447700176576"]}`, 404, "session not found"},
		{"caller not an admin", otherKey, path("ses_other", small), "application/json", `{"participants":["+12123334444"]}`, 403, "not an admin"},
		{"unpaired session", "ws-dialect-key-3", path("ses_unpaired", nyc), "application/json", `{"participants":["+447700176576"]}`, 422, "not WORKING"},
	}
	for _, tt := range tests {
		for op, rt := range writes[wasend.WebsiteMount] {
			t.Run(tt.name+"/"+op, func(t *testing.T) {
				w := start(t)
				before := w.Sim.Groups()
				status, _, body := w.do(t, rt.method, tt.path+rt.suffix, "Bearer "+tt.auth, tt.contentType, tt.body)
				assertError(t, status, body, tt.status, tt.errorHas)
				if after := w.Sim.Groups(); !reflect.DeepEqual(after, before) {
					t.Errorf("a refused call changed the world")
				}
			})
		}
	}
}

func TestAuthentication(t *testing.T) {
	path := "/wasend/" + session + "/groups/" + nyc + "/participants"
	for _, auth := range []string{"", key, "Token " + key, "Basic " + key, "Bearer wrong-key", "Bearer"} {
		t.Run(fmt.Sprintf("%q", auth), func(t *testing.T) {
			w := start(t)
			status, _, body := w.do(t, http.MethodGet, path, auth, "", "")
			assertError(t, status, body, http.StatusUnauthorized, "invalid or missing API key")
			if calls := w.Sim.Calls(); len(calls) != 1 || calls[0].Account != "" || calls[0].Op != sim.OpRead || calls[0].Group != nyc {
				t.Errorf("call log %+v", calls)
			}
		})
	}
	t.Run("scheme in lower case", func(t *testing.T) {
		w := start(t)
		if status, _, body := w.do(t, http.MethodGet, path, "bearer "+key, "", ""); status != http.StatusOK {
			t.Errorf("status %d: %s", status, body)
		}
	})
}

func TestRateLimit(t *testing.T) {
	w := start(t)
	path := "/wasend/ses_limited/groups"
	if status, _, body := w.do(t, http.MethodGet, path, "Bearer ws-dialect-key-4", "", ""); status != http.StatusOK {
		t.Fatalf("first call: status %d: %s", status, body)
	}
	status, header, body := w.do(t, http.MethodGet, path, "Bearer ws-dialect-key-4", "", "")
	assertError(t, status, body, http.StatusTooManyRequests, "rate limit")
	if header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After %q, want 60", header.Get("Retry-After"))
	}
}

func TestCallLog(t *testing.T) {
	w := start(t)
	w.write(t, wasend.WebsiteMount, wasend.WebsiteMount, nyc, "add", stranger, "+447700900003")
	w.write(t, wasend.SDKMount, wasend.SDKMount, nyc, "promote", member)
	w.write(t, wasend.SDKMount, wasend.WebsiteMount, nyc, "remove", member)
	w.get(t, "/wasend/"+session+"/groups/"+nyc+"/info")
	base := "/" + session + "/groups/" + nyc
	want := []sim.Call{
		{Time: simtest.Epoch, Provider: "Wasend", Account: "acme", Op: sim.OpAdd, Group: nyc, Method: "POST",
			Path: "/wasend" + base + "/participants/add", Status: 200, Members: 2},
		{Time: simtest.Epoch, Provider: "Wasend", Account: "acme", Op: sim.OpPromote, Group: nyc, Method: "POST",
			Path: "/wasend-sdk" + base + "/admin/promote", Status: 200, Members: 1},
		{Time: simtest.Epoch, Provider: "Wasend", Account: "acme", Op: sim.OpUnknown, Method: "DELETE",
			Path: "/wasend-sdk" + base + "/participants", Status: 404, Members: 1},
		{Time: simtest.Epoch, Provider: "Wasend", Account: "acme", Op: sim.OpRead, Group: nyc, Method: "GET",
			Path: "/wasend" + base + "/info", Status: 200},
	}
	if got := w.Sim.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls\n%+v\nwant\n%+v", got, want)
	}
}
