package evolution_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/evolution"
	"github.com/wagov/wagov/internal/sim/simtest"
)

// The seed's instance, key and groups (testdata/world.yaml).
const (
	key      = "evo-key-1"
	slowKey  = "evo-key-2"
	instance = "my-instance"
	main     = "120363042000000001@g.us" // the instance's number is an admin
	notOurs  = "120363042000000002@g.us" // the instance's number is a plain member
	lidRoom  = "120363042000000003@g.us" // addressed by LID
	small    = "120363042000000004@g.us" // maxSize 3, one seat left
	creator  = "+5511912340099"
)

// world is the simulator a test runs against.
type world struct{ *simtest.Server }

// start serves testdata/world.yaml for one test.
func start(t *testing.T) world {
	t.Helper()
	return world{simtest.Start(t, simtest.LoadSeed(t, "testdata/world.yaml"))}
}

// do sends one request with the given apikey ("" for none) and returns the status and body.
func (w world) do(t *testing.T, method, path, apiKey, body string) (int, []byte) {
	t.Helper()
	status, _, b := w.Do(t, method, path, simtest.JSONHeader("apikey", apiKey), body)
	return status, b
}

// update posts {action, participants} to updateParticipant with groupJid in the query.
func (w world) update(t *testing.T, group, action string, participants ...string) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"action": action, "participants": participants})
	return w.do(t, http.MethodPost, "/group/updateParticipant/"+instance+"?groupJid="+url.QueryEscape(group), key, string(body))
}

// errorOf decodes Evolution's error shape and returns its status and messages as JSON text.
func errorOf(t *testing.T, body []byte) (int, string, string) {
	t.Helper()
	var e struct {
		Status   int    `json:"status"`
		Error    string `json:"error"`
		Response struct {
			Message json.RawMessage `json:"message"`
		} `json:"response"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v\n%s", err, body)
	}
	return e.Status, e.Error, string(e.Response.Message)
}

func TestRefusals(t *testing.T) {
	participants := "/group/participants/" + instance + "?groupJid=" + main
	tests := []struct {
		name, method, path, key, body string
		status                        int
		message                       string // a part of response.message
	}{
		{"no apikey", "GET", participants, "", "", 401, ""},
		{"wrong apikey", "GET", participants, "not-the-key", "", 401, ""},
		{"another account's instance", "GET", "/group/participants/slow-instance?groupJid=" + main, key, "", 404, `The \"slow-instance\" instance does not exist`},
		{"unknown instance", "GET", "/group/participants/nope?groupJid=" + main, key, "", 404, `The \"nope\" instance does not exist`},
		{"unknown group path", "GET", "/group/nope/" + instance, key, "", 404, "no such endpoint"},
		{"no groupJid", "GET", "/group/participants/" + instance, key, "", 400, "The group id needs to be informed in the query"},
		{"malformed groupJid", "GET", "/group/participants/" + instance + "?groupJid=abc", key, "", 400, "does not match pattern"},
		{"group JID from a 2Chat uuid", "GET", "/group/participants/" + instance + "?groupJid=WAG45b0f301", key, "", 400, "does not match pattern"},
		{"unknown group", "GET", "/group/participants/" + instance + "?groupJid=120363049999999999@g.us", key, "", 404, "No participants"},
		{"group info of an unknown group", "GET", "/group/findGroupInfos/" + instance + "?groupJid=120363049999999999@g.us", key, "", 404, "Error fetching group"},
		{"groups without getParticipants", "GET", "/group/fetchAllGroups/" + instance, key, "", 400, "getParticipants"},
		{"write without groupJid", "POST", "/group/updateParticipant/" + instance, key, `{"action":"add","participants":["5511999999999"]}`, 400, "The group id needs to be informed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.do(t, tt.method, tt.path, tt.key, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			got, name, msg := errorOf(t, body)
			if got != tt.status || name != http.StatusText(tt.status) || !strings.Contains(msg, tt.message) {
				t.Errorf("error %d %q %s, want %d %q with %q", got, name, msg, tt.status, http.StatusText(tt.status), tt.message)
			}
		})
	}
}

func TestParticipants(t *testing.T) {
	tests := []struct {
		name, group, want string
	}{
		{"phone-addressed group, JID without @g.us", strings.TrimSuffix(main, "@g.us"), `{"participants": [
			{"id": "5511912340099@s.whatsapp.net", "admin": "superadmin"},
			{"id": "5511912340000@s.whatsapp.net", "lid": "205227043110900@lid", "admin": "admin"},
			{"id": "5511912340001@s.whatsapp.net", "lid": "205227043110953@lid", "admin": null},
			{"id": "553187650001@s.whatsapp.net", "admin": null},
			{"id": "525512340001@s.whatsapp.net", "admin": "admin"}]}`},
		{"LID-addressed group", lidRoom, `{"participants": [
			{"id": "205227043110900@lid", "phoneNumber": "5511912340000@s.whatsapp.net", "admin": "superadmin"},
			{"id": "205227043110953@lid", "phoneNumber": "5511912340001@s.whatsapp.net", "admin": "admin"},
			{"id": "5511912340002@s.whatsapp.net", "admin": null}]}`},
		{"a group where the instance is a plain member", notOurs, `{"participants": [
			{"id": "5511912340099@s.whatsapp.net", "admin": "superadmin"},
			{"id": "5511912340000@s.whatsapp.net", "lid": "205227043110900@lid", "admin": null}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.do(t, "GET", "/group/participants/"+instance+"?groupJid="+url.QueryEscape(tt.group), key, "")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			simtest.AssertJSON(t, body, tt.want)
		})
	}
}

func TestGroupInfosAndList(t *testing.T) {
	w := start(t)
	status, body := w.do(t, "GET", "/group/findGroupInfos/"+instance+"?groupJid="+small, key, "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{"id": "`+small+`", "subject": "Small room", "subjectOwner": "5511912340000@s.whatsapp.net",
		"subjectTime": 1704067200, "pictureUrl": null, "size": 2, "creation": 1704067200,
		"owner": "5511912340000@s.whatsapp.net", "restrict": false, "announce": false, "isCommunity": false,
		"participants": [{"id": "5511912340000@s.whatsapp.net", "lid": "205227043110900@lid", "admin": "superadmin"},
			{"id": "5511912340002@s.whatsapp.net", "admin": null}]}`)

	status, body = w.do(t, "GET", "/group/fetchAllGroups/"+instance+"?getParticipants=false", key, "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var groups []struct {
		ID           string            `json:"id"`
		Participants []json.RawMessage `json:"participants"`
	}
	if err := json.Unmarshal(body, &groups); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, g := range groups {
		ids = append(ids, g.ID)
		if g.Participants != nil {
			t.Errorf("%s lists participants although getParticipants=false", g.ID)
		}
	}
	if want := []string{main, notOurs, lidRoom, small}; !reflect.DeepEqual(ids, want) {
		t.Errorf("groups %v, want %v", ids, want)
	}
}

func TestInstance(t *testing.T) {
	w := start(t)
	status, body := w.do(t, "GET", "/instance/fetchInstances?instanceName="+instance, key, "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `[{"id": "evo-my-instance", "name": "my-instance", "connectionStatus": "open",
		"ownerJid": "5511912340000@s.whatsapp.net", "profileName": "acme-evolution",
		"integration": "WHATSAPP-BAILEYS", "number": null, "token": "[instance token]"}]`)
	if strings.Contains(string(body), key) {
		t.Errorf("fetchInstances shows the key: %s", body)
	}

	status, body = w.do(t, "GET", "/instance/fetchInstances?instanceName=other", key, "")
	if _, _, msg := errorOf(t, body); status != http.StatusNotFound || !strings.Contains(msg, `Instance \"other\" not found`) {
		t.Errorf("unknown instance: %d %s", status, body)
	}

	status, body = w.do(t, "GET", "/instance/connectionState/"+instance, key, "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{"instance": {"instanceName": "my-instance", "state": "open"}}`)
}

// TestDocumentedUpdateExample sends the documentation's example body: two numbers added.
func TestDocumentedUpdateExample(t *testing.T) {
	w := start(t)
	status, body := w.do(t, "POST", "/group/updateParticipant/"+instance+"?groupJid="+main, key,
		`{"action": "add", "participants": ["5511999999999", "5511888888888"]}`)
	if status != http.StatusCreated {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{"updateParticipants": [
		{"status": "200", "jid": "5511999999999@s.whatsapp.net", "content": {"tag": "participant", "attrs": {"jid": "5511999999999@s.whatsapp.net"}}},
		{"status": "200", "jid": "5511888888888@s.whatsapp.net", "content": {"tag": "participant", "attrs": {"jid": "5511888888888@s.whatsapp.net"}}}]}`)
	r := simtest.Roles(t, w.Sim, main)
	if r["+5511999999999"] != "member" || r["+5511888888888"] != "member" {
		t.Errorf("roster after the example %v", r)
	}
}

// TestGroupJIDInBody: Evolution reads groupJid from the body before the query.
func TestGroupJIDInBody(t *testing.T) {
	w := start(t)
	status, body := w.do(t, "POST", "/group/updateParticipant/"+instance, key,
		`{"groupJid": "120363042000000001", "action": "promote", "participants": ["5511912340001"]}`)
	if status != http.StatusCreated {
		t.Fatalf("status %d: %s", status, body)
	}
	if r := simtest.Roles(t, w.Sim, main)["+5511912340001"]; r != "admin" {
		t.Errorf("role %q after promote, want admin", r)
	}
}

func TestAddCodes(t *testing.T) {
	tests := []struct {
		name, group, sent, jid, status string
		invite                         bool
		stored                         string // the number now in the group, "" for none
	}{
		{"added", main, "5511912340007", "5511912340007@s.whatsapp.net", "200", false, "+5511912340007"},
		{"already a member", main, "5511912340001", "5511912340001@s.whatsapp.net", "409", false, "+5511912340001"},
		{"privacy", main, "5511912340005", "5511912340005@s.whatsapp.net", "403", true, ""},
		{"not on WhatsApp", main, "5511912340006", "5511912340006@s.whatsapp.net", "404", false, ""},
		{"recently left", main, "5511912340008", "5511912340008@s.whatsapp.net", "408", false, ""},
		{"last seat", small, "5511912340003", "5511912340003@s.whatsapp.net", "200", false, "+5511912340003"},
		{"unknown LID", main, "999999999999@lid", "999999999999@lid", "404", false, ""},
		{"known LID", small, "205227043110953@lid", "205227043110953@lid", "200", false, "+5511912340001"},
		{"a group JID", main, "120363042000000002@g.us", "120363042000000002@g.us", "404", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.update(t, tt.group, "add", tt.sent)
			if status != http.StatusCreated {
				t.Fatalf("status %d: %s", status, body)
			}
			var got struct {
				UpdateParticipants []struct {
					Status  string `json:"status"`
					JID     string `json:"jid"`
					Content struct {
						Attrs   map[string]string `json:"attrs"`
						Content []struct {
							Tag string `json:"tag"`
						} `json:"content"`
					} `json:"content"`
				} `json:"updateParticipants"`
			}
			if err := json.Unmarshal(body, &got); err != nil || len(got.UpdateParticipants) != 1 {
				t.Fatalf("answer %s (%v)", body, err)
			}
			r := got.UpdateParticipants[0]
			invite := len(r.Content.Content) == 1 && r.Content.Content[0].Tag == "add_request"
			if r.Status != tt.status || r.JID != tt.jid || invite != tt.invite {
				t.Errorf("result %+v, want status %s jid %s invite %v", r, tt.status, tt.jid, tt.invite)
			}
			if tt.status != "200" && r.Content.Attrs["error"] != tt.status {
				t.Errorf("content attrs %v, want error %s", r.Content.Attrs, tt.status)
			}
			if tt.stored != "" {
				if _, in := simtest.Roles(t, w.Sim, tt.group)[tt.stored]; !in {
					t.Errorf("%s not in the group", tt.stored)
				}
			}
		})
	}
	t.Run("the seat after the last is refused", func(t *testing.T) {
		w := start(t)
		_, body := w.update(t, small, "add", "5511912340003", "5511912340004")
		if !strings.Contains(string(body), `"status":"419"`) {
			t.Errorf("second add into a full group: %s", body)
		}
	})
}

// TestCountryRewrites: createJid rewrites Brazilian numbers with area code 31 or more and a
// mobile digit 7 or more (dropping the 9), and 13-digit Mexican and Argentinian numbers
// (dropping the third digit); the world holds the rewritten number. A JID passes unchanged.
func TestCountryRewrites(t *testing.T) {
	tests := []struct {
		name, sent, stored string
	}{
		{"BR area 31, mobile 8: the 9 is dropped", "5531987654321", "+553187654321"},
		{"BR area 11: kept", "5511987654321", "+5511987654321"},
		{"BR area 31, mobile 6: kept", "5531967654321", "+5531967654321"},
		{"BR with punctuation", "+55 (31) 98765-4321", "+553187654321"},
		{"BR 12 digits: kept", "553187654321", "+553187654321"},
		{"BR as a JID: kept", "5531987654321@s.whatsapp.net", "+5531987654321"},
		{"MX 13 digits: the 1 is dropped", "5215512345678", "+525512345678"},
		{"MX 12 digits: kept", "525512345678", "+525512345678"},
		{"AR 13 digits: the 9 is dropped", "5491112345678", "+541112345678"},
		{"device suffix stripped", "447700900123:12", "+447700900123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.update(t, main, "add", tt.sent)
			if status != http.StatusCreated {
				t.Fatalf("status %d: %s", status, body)
			}
			jid := strings.TrimPrefix(tt.stored, "+") + "@s.whatsapp.net"
			if !strings.Contains(string(body), `"jid":"`+jid+`"`) || !strings.Contains(string(body), `"status":"200"`) {
				t.Errorf("answer %s, want status 200 for %s", body, jid)
			}
			if r := simtest.Roles(t, w.Sim, main)[tt.stored]; r != "member" {
				t.Errorf("%s: role %q, want member (roster %v)", tt.stored, r, simtest.Roles(t, w.Sim, main))
			}
		})
	}
}

func TestChangeCodes(t *testing.T) {
	tests := []struct {
		name, action, sent, status string
		role                       string // the role afterwards, "" for none
		phone                      string
	}{
		{"promote", "promote", "5511912340001", "200", "admin", "+5511912340001"},
		{"promote an admin", "promote", "525512340001", "200", "admin", "+525512340001"},
		{"promote a rewritten MX number", "promote", "5215512340001", "200", "admin", "+525512340001"},
		{"demote", "demote", "525512340001", "200", "member", "+525512340001"},
		{"demote a member", "demote", "5511912340001", "200", "member", "+5511912340001"},
		{"demote the creator", "demote", "5511912340099", "403", "superadmin", creator},
		{"remove", "remove", "5511912340001", "200", "", "+5511912340001"},
		{"remove a rewritten BR number", "remove", "5531987650001", "200", "", "+553187650001"},
		{"remove the creator", "remove", "5511912340099", "403", "superadmin", creator},
		{"remove a non-member", "remove", "5511912340077", "404", "", "+5511912340077"},
		{"promote a non-member", "promote", "5511912340077", "404", "", "+5511912340077"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.update(t, main, tt.action, tt.sent)
			if status != http.StatusCreated {
				t.Fatalf("status %d: %s", status, body)
			}
			if !strings.Contains(string(body), `"status":"`+tt.status+`"`) {
				t.Errorf("answer %s, want status %s", body, tt.status)
			}
			if r := simtest.Roles(t, w.Sim, main)[tt.phone]; r != tt.role {
				t.Errorf("%s: role %q, want %q", tt.phone, r, tt.role)
			}
		})
	}
}

// TestLIDAddressedWrites: in a group that lists members by LID, a remove, promote or demote
// naming a member by number answers status "404" for them and changes nothing
// (evolution-api#1239); naming the LID, which createJid passes through, takes effect. Adds go by
// number.
func TestLIDAddressedWrites(t *testing.T) {
	const member, lid = "+5511912340001", "205227043110953@lid" // an admin of lidRoom
	tests := []struct {
		name, action, sent, jid, status string
		phone, role                     string // the role of phone in lidRoom afterwards
	}{
		{"demote by number", "demote", "5511912340001", "5511912340001@s.whatsapp.net", "404", member, "admin"},
		{"demote by LID", "demote", lid, lid, "200", member, "member"},
		{"remove by number", "remove", "5511912340001", "5511912340001@s.whatsapp.net", "404", member, "admin"},
		{"remove by LID", "remove", lid, lid, "200", member, ""},
		{"promote by number", "promote", "5511912340002", "5511912340002@s.whatsapp.net", "404", "+5511912340002", "member"},
		{"add by number", "add", "5511912340007", "5511912340007@s.whatsapp.net", "200", "+5511912340007", "member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.update(t, lidRoom, tt.action, tt.sent)
			if status != http.StatusCreated {
				t.Fatalf("status %d: %s", status, body)
			}
			var out struct {
				UpdateParticipants []struct{ Status, JID string } `json:"updateParticipants"`
			}
			if err := json.Unmarshal(body, &out); err != nil || len(out.UpdateParticipants) != 1 {
				t.Fatalf("answer %s: %v", body, err)
			}
			if r := out.UpdateParticipants[0]; r.Status != tt.status || r.JID != tt.jid {
				t.Errorf("result %+v, want status %s for %s", r, tt.status, tt.jid)
			}
			if r := simtest.Roles(t, w.Sim, lidRoom)[tt.phone]; r != tt.role {
				t.Errorf("%s: role %q, want %q", tt.phone, r, tt.role)
			}
		})
	}
}

func TestWriteRefusals(t *testing.T) {
	tests := []struct {
		name, group, body, message string
	}{
		{"no action", main, `{"participants":["5511912340007"]}`, `requires property \"action\"`},
		{"unknown action", main, `{"action":"kick","participants":["5511912340007"]}`, "is not one of enum values"},
		{"no participants", main, `{"action":"add"}`, `requires property \"participants\"`},
		{"empty participants", main, `{"action":"add","participants":[]}`, "minimum length of 1"},
		{"short number", main, `{"action":"add","participants":["551191234"]}`, "must be an array of numeric strings"},
		{"no digits", main, `{"action":"add","participants":["abcdefghijkl"]}`, "must be an array of numeric strings"},
		{"not a string", main, `{"action":"add","participants":[5511912340007]}`, "must be an array of numeric strings"},
		{"duplicates", main, `{"action":"add","participants":["5511912340007","5511912340007"]}`, "duplicate"},
		{"not JSON", main, `{"action":`, "invalid JSON"},
		{"not an admin", notOurs, `{"action":"add","participants":["5511912340007"]}`, "Error: forbidden"},
		{"unknown group", "120363049999999999@g.us", `{"action":"add","participants":["5511912340007"]}`, "Error: item-not-found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			before := simtest.Roles(t, w.Sim, main)
			status, body := w.do(t, "POST", "/group/updateParticipant/"+instance+"?groupJid="+tt.group, key, tt.body)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", status, body)
			}
			if _, _, msg := errorOf(t, body); !strings.Contains(msg, tt.message) {
				t.Errorf("message %s, want %q", msg, tt.message)
			}
			if after := simtest.Roles(t, w.Sim, main); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused write changed the group: %v → %v", before, after)
			}
		})
	}
}

func TestCallLogAndRateLimit(t *testing.T) {
	w := start(t)
	w.update(t, main, "remove", "5511912340001", "553187650001")
	w.do(t, "GET", "/group/participants/"+instance+"?groupJid="+main, key, "")
	calls := w.Sim.Calls()
	if len(calls) != 2 {
		t.Fatalf("calls %+v", calls)
	}
	if c := calls[0]; c.Provider != "Evolution" || c.Account != "acme-evolution" || c.Op != sim.OpAdd || c.Members != 2 || c.Status != http.StatusCreated {
		t.Errorf("write logged as %+v", c)
	}
	if c := calls[1]; c.Op != sim.OpRead || c.Path != "/group/participants/"+instance || c.Status != http.StatusOK {
		t.Errorf("read logged as %+v", c)
	}

	path := "/group/participants/slow-instance?groupJid=" + main
	if status, body := w.do(t, "GET", path, slowKey, ""); status != http.StatusNotFound {
		t.Fatalf("first call of the slow account: %d %s", status, body)
	}
	status, body := w.do(t, "GET", path, slowKey, "")
	if got, name, _ := errorOf(t, body); status != http.StatusTooManyRequests || got != 429 || name != "Too Many Requests" {
		t.Errorf("over the limit: %d %s", status, body)
	}
}
