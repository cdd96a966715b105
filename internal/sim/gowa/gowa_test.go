package gowa_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/gowa"
	"github.com/wagov/wagov/internal/sim/simtest"
)

const (
	user, password = "admin", "s3cret-gowa"
	device         = "my-business-account" // the multi-device guide's example device id
	self           = "+6281234567890"
	creator        = "+12125550199"
	member         = "+447700900002"
	admin          = "+447700900004"
	private        = "+447700900001"
	unregistered   = "+15550000000"
	recentlyLeft   = "+17137150000"
	newbie         = "+447700176576"

	group      = "120363025982934543@g.us" // the OpenAPI example of /group/info; self is an admin
	lidGroup   = "120363024512399999@g.us" // LID-addressed; self is an admin
	memberOnly = "120363000000000003@g.us" // self is a plain member
)

func seed() sim.Seed {
	return sim.Seed{
		Accounts: []sim.Account{{Name: "gowa", Type: "GOWA", APIKey: user + ":" + password, Numbers: []string{self}, Session: device,
			RateLimit: &sim.RateLimit{RequestsPerMinute: 60, Burst: 40}}},
		People: []sim.Person{
			{Phone: private, Privacy: true},
			{Phone: unregistered, Unregistered: true},
			{Phone: member, LID: "205227043110953@lid"},
			{Phone: self, LID: "20036609675500@lid"},
		},
		Groups: []sim.SeedGroup{
			{ID: group, Name: "Field agents", RecentlyLeft: []string{recentlyLeft}, Participants: []sim.SeedMember{
				{Phone: creator, Role: "superadmin"}, {Phone: self, Role: "admin"}, {Phone: member}, {Phone: admin, Role: "admin"}}},
			{ID: lidGroup, Name: "Hidden", Addressing: "lid", Participants: []sim.SeedMember{
				{Phone: self, Role: "superadmin"}, {Phone: member}, {Phone: admin}}},
			{ID: memberOnly, Name: "Members only", Participants: []sim.SeedMember{
				{Phone: creator, Role: "superadmin"}, {Phone: self}}},
		},
	}
}

// world is the simulator a test runs against.
type world struct{ *simtest.Server }

// start serves seed() for one test.
func start(t *testing.T) world {
	t.Helper()
	return world{simtest.Start(t, seed())}
}

// call is one request: the default is the right credentials and device.
type call struct {
	method, path, body string
	user, password     string // "" user: no Authorization header
	device             string // "" : no X-Device-Id header
}

// do sends c with Basic auth and X-Device-Id as it says.
func (w world) do(t *testing.T, c call) (int, http.Header, []byte) {
	t.Helper()
	h := simtest.JSONHeader("X-Device-Id", c.device)
	if c.user != "" {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.user+":"+c.password)))
	}
	return w.Do(t, c.method, c.path, h, c.body)
}

func get(path string) call { return call{http.MethodGet, path, "", user, password, device} }

func post(path, body string) call { return call{http.MethodPost, path, body, user, password, device} }

func write(op, groupID string, participants ...string) call {
	b, _ := json.Marshal(map[string]any{"group_id": groupID, "participants": participants})
	path := "/group/participants"
	if op != "add" {
		path += "/" + op
	}
	return post(path, string(b))
}

// TestRefusals covers every answer that is not a success, in GOWA's error envelope.
func TestRefusals(t *testing.T) {
	withoutDevice := get("/group/participants?group_id=" + group)
	withoutDevice.device = ""
	wrongPassword := get("/group/participants?group_id=" + group)
	wrongPassword.password = "guess"
	noAuth := get("/group/participants?group_id=" + group)
	noAuth.user = ""
	tests := []struct {
		name   string
		call   call
		status int
		code   string
		msg    string
	}{
		{"no Basic auth", noAuth, 401, "UNAUTHORIZED", "invalid or missing API key"},
		{"wrong password", wrongPassword, 401, "UNAUTHORIZED", "invalid or missing API key"},
		{"no device id", withoutDevice, 400, "DEVICE_ID_REQUIRED", "device_id is required via X-Device-Id header or device_id query"},
		{"unknown device", call{http.MethodGet, "/group/participants?group_id=" + group, "", user, password, "other"}, 404, "DEVICE_NOT_FOUND",
			"device not found; create a device first from /api/devices or provide a valid X-Device-Id"},
		{"unknown device status", get("/devices/other/status"), 404, "DEVICE_NOT_FOUND",
			"device not found; create a device first from /api/devices or provide a valid X-Device-Id"},
		{"unknown device, app status", call{http.MethodGet, "/app/status", "", user, password, "other"}, 404, "DEVICE_NOT_FOUND",
			"device not found; create a device first from /api/devices or provide a valid X-Device-Id"},
		{"read without group_id", get("/group/participants"), 400, "VALIDATION_ERROR", "group_id: cannot be blank."},
		{"read an unknown group", get("/group/participants?group_id=120363000000000099@g.us"), 500, "INTERNAL_SERVER_ERROR", "group not found"},
		{"read a 2Chat-style id", get("/group/participants?group_id=WAG45b0f301"), 500, "INTERNAL_SERVER_ERROR", "group not found"},
		{"write without group_id", write("add", "", "447700176576"), 400, "VALIDATION_ERROR", "group_id: cannot be blank."},
		{"write without participants", write("add", group), 400, "VALIDATION_ERROR", "participants: cannot be blank."},
		{"participants as WAHA objects", post("/group/participants", `{"group_id":"`+group+`","participants":[{"id":"447700176576@c.us"}]}`),
			400, "VALIDATION_ERROR", "invalid request body: json: cannot unmarshal object into Go struct field writeRequest.participants of type string"},
		{"participant in +E164", write("add", group, "+447700176576"), 400, "INVALID_JID", "user is not registered"},
		{"participant as a JID", write("promote", group, "447700900002@s.whatsapp.net"), 400, "INVALID_JID", "user is not registered"},
		{"one unregistered number", write("add", group, "447700176576", "15550000000"), 400, "INVALID_JID", "user is not registered"},
		{"write as a plain member", write("add", memberOnly, "447700176576"), 500, "INTERNAL_SERVER_ERROR", "info query returned status 403: forbidden"},
		{"write to an unknown group", write("remove", "120363000000000099@g.us", "447700900002"), 500, "INTERNAL_SERVER_ERROR", "info query returned status 404: item-not-found"},
		{"unknown path", get("/devices/" + device + "/nonsense"), 404, "NOT_FOUND", "no such endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			before := simtest.Roles(t, w.Sim, group)
			status, _, body := w.do(t, tt.call)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			want, _ := json.Marshal(map[string]any{"status": tt.status, "code": tt.code, "message": tt.msg, "results": nil})
			if tt.code == "DEVICE_NOT_FOUND" {
				want, _ = json.Marshal(map[string]any{"status": tt.status, "code": tt.code, "message": tt.msg, "results": map[string]string{"device_id": "other"}})
			}
			simtest.AssertJSON(t, body, string(want))
			if after := simtest.Roles(t, w.Sim, group); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused call changed the group: %v → %v", before, after)
			}
		})
	}
}

// TestStatus covers the device's two status reads: only the device-scoped /app/status names
// the account it is logged in as.
func TestStatus(t *testing.T) {
	tests := []struct {
		name string
		call call
		want string
	}{
		{"app status", get("/app/status"), `{"status":200,"code":"SUCCESS","message":"Connection status retrieved",
			"results":{"device_id":"my-business-account","is_connected":true,"is_logged_in":true,"jid":"6281234567890@s.whatsapp.net"}}`},
		{"device status", get("/devices/" + device + "/status"), `{"status":200,"code":"SUCCESS","message":"Device status",
			"results":{"device_id":"my-business-account","is_connected":true,"is_logged_in":true}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := start(t).do(t, tt.call)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			simtest.AssertJSON(t, body, tt.want)
		})
	}
}

func TestParticipants(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"phone-addressed", "/group/participants?group_id=" + group, `{"status":200,"code":"SUCCESS","message":"Success get group participants",
			"results":{"group_id":"120363025982934543@g.us","name":"Field agents","participants":[
			{"jid":"12125550199@s.whatsapp.net","phone_number":"12125550199@s.whatsapp.net","is_admin":true,"is_super_admin":true},
			{"jid":"6281234567890@s.whatsapp.net","phone_number":"6281234567890@s.whatsapp.net","lid":"20036609675500@lid","is_admin":true,"is_super_admin":false},
			{"jid":"447700900002@s.whatsapp.net","phone_number":"447700900002@s.whatsapp.net","lid":"205227043110953@lid","is_admin":false,"is_super_admin":false},
			{"jid":"447700900004@s.whatsapp.net","phone_number":"447700900004@s.whatsapp.net","is_admin":true,"is_super_admin":false}]}}`},
		{"LID-addressed, by group id without server", "/group/participants?group_id=120363024512399999", `{"status":200,"code":"SUCCESS","message":"Success get group participants",
			"results":{"group_id":"120363024512399999@g.us","name":"Hidden","participants":[
			{"jid":"20036609675500@lid","phone_number":"6281234567890@s.whatsapp.net","lid":"20036609675500@lid","is_admin":true,"is_super_admin":true},
			{"jid":"205227043110953@lid","phone_number":"447700900002@s.whatsapp.net","lid":"205227043110953@lid","is_admin":false,"is_super_admin":false},
			{"jid":"447700900004@s.whatsapp.net","phone_number":"447700900004@s.whatsapp.net","is_admin":false,"is_super_admin":false}]}}`},
		{"device id in the query", "/group/participants?device_id=" + device + "&group_id=" + memberOnly, `{"status":200,"code":"SUCCESS","message":"Success get group participants",
			"results":{"group_id":"120363000000000003@g.us","name":"Members only","participants":[
			{"jid":"12125550199@s.whatsapp.net","phone_number":"12125550199@s.whatsapp.net","is_admin":true,"is_super_admin":true},
			{"jid":"6281234567890@s.whatsapp.net","phone_number":"6281234567890@s.whatsapp.net","lid":"20036609675500@lid","is_admin":false,"is_super_admin":false}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			c := get(tt.path)
			if strings.Contains(tt.path, "device_id=") {
				c.device = ""
			}
			status, _, body := w.do(t, c)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			simtest.AssertJSON(t, body, tt.want)
		})
	}
}

func TestNotParticipating(t *testing.T) {
	w := start(t)
	if err := w.Sim.Add(sim.Seed{Groups: []sim.SeedGroup{{ID: "120363000000000004@g.us", Participants: []sim.SeedMember{{Phone: creator, Role: "superadmin"}}}}}); err != nil {
		t.Fatal(err)
	}
	status, _, body := w.do(t, get("/group/participants?group_id=120363000000000004@g.us"))
	if status != http.StatusInternalServerError {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{"status":500,"code":"INTERNAL_SERVER_ERROR","message":"you're not participating in that group","results":null}`)
}

// TestDocumentedRequestShape sends the OpenAPI example of ManageParticipantRequest with the
// example's numbers replaced by the seed's: the documented shape is what the dialect accepts.
func TestDocumentedRequestShape(t *testing.T) {
	w := start(t)
	status, _, body := w.do(t, post("/group/participants",
		`{"group_id":"`+group+`","participants":["447700176576","447700900001","17137150000","447700900002"]}`))
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	// Added; privacy (403 with an add request); recently left (408) and already a member
	// (409) both flattened to "success".
	simtest.AssertJSON(t, body, `{"status":200,"code":"SUCCESS","message":"Success add participants","results":[
		{"participant":"447700176576@s.whatsapp.net","status":"success","message":"Action success"},
		{"participant":"447700900001@s.whatsapp.net","status":"error","message":"Failed to add participant"},
		{"participant":"17137150000@s.whatsapp.net","status":"success","message":"Action success"},
		{"participant":"447700900002@s.whatsapp.net","status":"success","message":"Action success"}]}`)
	want := map[string]string{creator: "superadmin", self: "admin", member: "member", admin: "admin", newbie: "member"}
	if got := simtest.Roles(t, w.Sim, group); !reflect.DeepEqual(got, want) {
		t.Errorf("group %v, want %v", got, want)
	}
}

func TestChanges(t *testing.T) {
	tests := []struct {
		op, group, who, role string // role afterwards; "" means gone
		message              string
	}{
		{"promote", group, member, "admin", "Success promote participants"},
		{"demote", group, admin, "member", "Success demote participants"},
		{"remove", group, member, "", "Success delete participants"},
		{"demote", group, creator, "superadmin", "Success demote participants"}, // WhatsApp refuses; GOWA says success
		{"remove", group, newbie, "", "Success delete participants"},            // not a member; GOWA says success
		// Named by phone in a LID-addressed group: nothing happens; GOWA says success.
		{"promote", lidGroup, member, "member", "Success promote participants"},
		{"remove", lidGroup, member, "member", "Success delete participants"},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.who+" in "+tt.group, func(t *testing.T) {
			w := start(t)
			digits := strings.TrimPrefix(tt.who, "+")
			status, _, body := w.do(t, write(tt.op, tt.group, digits))
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			simtest.AssertJSON(t, body, `{"status":200,"code":"SUCCESS","message":"`+tt.message+`","results":[
				{"participant":"`+digits+`@s.whatsapp.net","status":"success","message":"Action success"}]}`)
			if got := simtest.Roles(t, w.Sim, tt.group)[tt.who]; got != tt.role {
				t.Errorf("%s now %q, want %q", tt.who, got, tt.role)
			}
		})
	}
}

func TestMyGroups(t *testing.T) {
	w := start(t)
	status, _, body := w.do(t, get("/user/my/groups"))
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var got struct {
		Results struct {
			Data []struct {
				JID, OwnerJID, Name, AddressingMode string
				Participants                        []struct {
					JID, PhoneNumber      string
					IsAdmin, IsSuperAdmin bool
				}
			} `json:"data"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if n := len(got.Results.Data); n != 3 {
		t.Fatalf("%d groups, want 3: %s", n, body)
	}
	g := got.Results.Data[1]
	if g.JID != lidGroup || g.OwnerJID != "20036609675500@lid" || g.AddressingMode != "lid" || len(g.Participants) != 3 ||
		g.Participants[1].JID != "205227043110953@lid" || g.Participants[1].PhoneNumber != "447700900002@s.whatsapp.net" {
		t.Errorf("LID group %+v", g)
	}
}

// TestCallLog checks that each route is logged with its operation and participant count.
func TestCallLog(t *testing.T) {
	w := start(t)
	for _, c := range []call{
		get("/devices/" + device + "/status"),
		get("/user/my/groups"),
		get("/group/participants?group_id=" + group),
		write("add", group, "447700176576", "447700900001"),
		write("promote", group, "447700176576"),
		write("demote", group, "447700176576"),
		write("remove", group, "447700176576"),
	} {
		w.do(t, c)
	}
	var got []string
	for _, c := range w.Sim.Calls() {
		if c.Provider != "GOWA" || c.Account != "gowa" || c.Status != http.StatusOK {
			t.Errorf("call %+v", c)
		}
		got = append(got, c.Op+":"+string(rune('0'+c.Members))+":"+c.Group)
	}
	want := []string{"account:0:", "list:0:", "read:0:" + group, "add:2:" + group, "promote:1:" + group, "demote:1:" + group, "remove:1:" + group}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("call log %v, want %v", got, want)
	}
}

func TestRateLimit(t *testing.T) {
	w := start(t)
	var status int
	var header http.Header
	var body []byte
	for range 41 { // the bucket holds 40
		status, header, body = w.do(t, get("/group/participants?group_id="+group))
	}
	if status != http.StatusTooManyRequests || header.Get("Retry-After") != "1" {
		t.Fatalf("status %d Retry-After %q: %s", status, header.Get("Retry-After"), body)
	}
	simtest.AssertJSON(t, body, `{"status":429,"code":"TOO_MANY_REQUESTS","message":"rate limit exceeded","results":null}`)
}

func TestInjectedFault(t *testing.T) {
	w := start(t)
	w.Sim.InjectFault(sim.Fault{Provider: "GOWA", Op: sim.OpAdd, Status: http.StatusGatewayTimeout, Times: 1})
	status, _, body := w.do(t, write("add", group, "447700176576"))
	if status != http.StatusGatewayTimeout {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{"status":504,"code":"GATEWAY_TIMEOUT","message":"injected fault: Gateway Timeout","results":null}`)
	if _, in := simtest.Roles(t, w.Sim, group)[newbie]; in {
		t.Error("a faulted write changed the group")
	}
}
