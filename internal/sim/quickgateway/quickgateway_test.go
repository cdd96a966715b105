package quickgateway_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/quickgateway"
	"github.com/wagov/wagov/internal/sim/simtest"
)

// The documented examples: session 01J9ZX8K2QHV0M3T6R7P4N5W8C paired with 6281234567890,
// whose LID is 205227043110953@lid, and group 120363041234567890@g.us.
const (
	key       = "qg-key-1"
	session   = "01J9ZX8K2QHV0M3T6R7P4N5W8C"
	self      = "+6281234567890"
	selfLID   = "205227043110953@lid"
	docGroup  = "120363041234567890@g.us"
	memberOf  = "120363041234567891@g.us" // the session's number is a plain member
	creator   = "+12125550199"
	member    = "+447700900002"
	private   = "+447700900001"
	unreg     = "+15550000000"
	newbie    = "+33612342001"
	otherKey  = "qg-key-2"
	unpaired  = "qg-key-unpaired"
	limited   = "qg-key-limited"
	groupPath = "/api/v1/sessions/" + session + "/groups/120363041234567890%40g.us"
)

// world is the simulator a test runs against.
type world struct{ *simtest.Server }

// start serves the documented session, a second one, an unpaired and a rate-limited one, for
// one test.
func start(t *testing.T) world {
	t.Helper()
	seed := sim.Seed{
		Accounts: []sim.Account{
			{Name: "qg", Type: "QuickGateway", APIKey: key, Session: session, Numbers: []string{self}},
			{Name: "qg-other", Type: "QuickGateway", APIKey: otherKey, Session: "01J9ZX8K2QHV0M3T6R7P4N5W8D", Numbers: []string{"+12125550100"}},
			{Name: "qg-unpaired", Type: "QuickGateway", APIKey: unpaired, Session: "01J9ZX8K2QHV0M3T6R7P4N5W8E"},
			{Name: "qg-limited", Type: "QuickGateway", APIKey: limited, Session: "01J9ZX8K2QHV0M3T6R7P4N5W8F",
				Numbers: []string{"+12125550101"}, RateLimit: &sim.RateLimit{RequestsPerMinute: 1}},
		},
		People: []sim.Person{{Phone: self, LID: selfLID}, {Phone: private, Privacy: true}, {Phone: unreg, Unregistered: true}},
		Groups: []sim.SeedGroup{
			{ID: docGroup, Name: "Project Team", Participants: []sim.SeedMember{
				{Phone: creator, Role: "superadmin"}, {Phone: self, Role: "admin"}, {Phone: member}}},
			{ID: memberOf, Participants: []sim.SeedMember{{Phone: creator, Role: "superadmin"}, {Phone: self}}},
		},
	}
	return world{simtest.Start(t, seed)}
}

// do sends one request with the key as a bearer token and returns the status and body.
func (w world) do(t *testing.T, method, path, apiKey, body string) (int, http.Header, []byte) {
	t.Helper()
	return w.send(t, method, path, body, http.Header{"Authorization": {"Bearer " + apiKey}})
}

// send sends one JSON request with the header h.
func (w world) send(t *testing.T, method, path, body string, h http.Header) (int, http.Header, []byte) {
	t.Helper()
	h = h.Clone()
	h.Set("Content-Type", "application/json")
	return w.Do(t, method, path, h, body)
}

// errorCode returns the code of an error envelope.
func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" {
		t.Fatalf("not an error envelope: %s", body)
	}
	return e.Error.Code
}

// The documented promote example names session 01HZ0SESSION0000000000000, which does not
// exist, and documents the answer: 404 with the not_found envelope.
func TestDocumentedPromoteExampleOfUnknownSession(t *testing.T) {
	w := start(t)
	status, _, body := w.do(t, http.MethodPost,
		"/api/v1/sessions/01HZ0SESSION0000000000000/groups/120363041234567890@g.us/members/6281234567890@s.whatsapp.net/promote", key, "")
	if status != http.StatusNotFound {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{"error": {"code": "not_found", "message": "session not found"}}`)
}

func TestAuthentication(t *testing.T) {
	w := start(t)
	path := "/api/v1/sessions/" + session + "/groups"
	for _, tc := range []struct {
		name   string
		header http.Header
		want   int
	}{
		{"bearer", http.Header{"Authorization": {"Bearer " + key}}, http.StatusOK},
		{"x-api-key", http.Header{"X-Api-Key": {key}}, http.StatusOK},
		{"none", http.Header{}, http.StatusUnauthorized},
		{"wrong key", http.Header{"Authorization": {"Bearer nope"}}, http.StatusUnauthorized},
		{"basic scheme", http.Header{"Authorization": {"Basic " + key}}, http.StatusUnauthorized},
		{"another session's key", http.Header{"Authorization": {"Bearer " + otherKey}}, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := w.send(t, http.MethodGet, path, "", tc.header)
			if status != tc.want {
				t.Fatalf("status %d, want %d: %s", status, tc.want, body)
			}
			if status == http.StatusUnauthorized && errorCode(t, body) != "unauthorized" {
				t.Errorf("code of %s", body)
			}
		})
	}
}

func TestSession(t *testing.T) {
	w := start(t)
	status, _, body := w.do(t, http.MethodGet, "/api/v1/sessions/"+session, key, "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var s map[string]any
	_ = json.Unmarshal(body, &s)
	for k, want := range map[string]any{"id": session, "status": "working", "phoneNumber": "6281234567890",
		"waJid": "6281234567890@s.whatsapp.net", "waLid": selfLID} {
		if s[k] != want {
			t.Errorf("%s = %v, want %v", k, s[k], want)
		}
	}
	_, _, body = w.do(t, http.MethodGet, "/api/v1/sessions/01J9ZX8K2QHV0M3T6R7P4N5W8E", unpaired, "")
	s = nil
	_ = json.Unmarshal(body, &s)
	if s["status"] != "scan_qr_code" || s["phoneNumber"] != nil {
		t.Errorf("unpaired session: %s", body)
	}
}

type memberRow struct {
	LID  string `json:"lid"`
	Role string `json:"role"`
}

func TestMembersAreListedByLIDOnly(t *testing.T) {
	w := start(t)
	status, _, body := w.do(t, http.MethodGet, groupPath+"/members", key, "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var page struct {
		Data       []memberRow `json:"data"`
		NextCursor *string     `json:"nextCursor"`
	}
	if err := json.Unmarshal(body, &page); err != nil || page.NextCursor == nil || *page.NextCursor != "" {
		t.Fatalf("not one page with an empty nextCursor: %s", body)
	}
	for _, n := range []string{"12125550199", "6281234567890", "447700900002"} {
		if strings.Contains(string(body), n) {
			t.Errorf("the member list shows the number %s: %s", n, body)
		}
	}
	roles := map[string]int{}
	for _, m := range page.Data {
		if !strings.HasSuffix(m.LID, "@lid") {
			t.Errorf("lid %q", m.LID)
		}
		roles[m.Role]++
	}
	if len(page.Data) != 3 || roles["superadmin"] != 1 || roles["admin"] != 1 || roles["member"] != 1 || page.Data[1].LID != selfLID {
		t.Errorf("members %+v", page.Data)
	}
}

func TestReadsOfUnknownGroups(t *testing.T) {
	w := start(t)
	for _, path := range []string{
		"/api/v1/sessions/" + session + "/groups/120363000000000000%40g.us/members",
		"/api/v1/sessions/01J9ZX8K2QHV0M3T6R7P4N5W8D/groups/120363041234567890%40g.us/members", // not the key's session
		"/api/v1/sessions/" + session + "/groups/120363000000000000%40g.us",
	} {
		status, _, body := w.do(t, http.MethodGet, path, key, "")
		if status != http.StatusNotFound || errorCode(t, body) != "not_found" {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
	// A group the other key's number is not in does not exist for it.
	status, _, _ := w.do(t, http.MethodGet, "/api/v1/sessions/01J9ZX8K2QHV0M3T6R7P4N5W8D/groups/120363041234567890%40g.us/members", otherKey, "")
	if status != http.StatusNotFound {
		t.Errorf("a group of other sessions: %d", status)
	}
}

type contact struct {
	LID         string `json:"lid"`
	PhoneNumber string `json:"phoneNumber"`
	Source      string `json:"source"`
}

// contacts reads every page of the contacts list with the given query.
func (w world) contacts(t *testing.T, query string) map[string]string {
	t.Helper()
	out := map[string]string{}
	cursor := ""
	for pages := 0; ; pages++ {
		q := query
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		status, _, body := w.do(t, http.MethodGet, "/api/v1/sessions/"+session+"/contacts?"+q, key, "")
		if status != http.StatusOK || pages > 10 {
			t.Fatalf("status %d after %d pages: %s", status, pages, body)
		}
		var page struct {
			Data       []contact `json:"data"`
			NextCursor string    `json:"nextCursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Data {
			if _, dup := out[c.LID]; dup || c.Source != "group" {
				t.Errorf("contact %+v repeated or not from a group", c)
			}
			out[c.LID] = c.PhoneNumber
		}
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

func TestContactsResolveMemberLIDs(t *testing.T) {
	w := start(t)
	whole := w.contacts(t, "group=120363041234567890%40g.us&limit=200")
	if len(whole) != 3 || whole[selfLID] != "6281234567890" {
		t.Fatalf("contacts of the group: %v", whole)
	}
	if paged := w.contacts(t, "group=120363041234567890%40g.us&limit=1"); !reflect.DeepEqual(paged, whole) {
		t.Errorf("one per page: %v, want %v", paged, whole)
	}
	_, _, body := w.do(t, http.MethodGet, groupPath+"/members", key, "")
	var page struct{ Data []memberRow }
	_ = json.Unmarshal(body, &page)
	for _, m := range page.Data {
		if whole[m.LID] == "" {
			t.Errorf("member %s has no contact with a number", m.LID)
		}
	}
	if dm := w.contacts(t, "source=dm"); len(dm) != 0 {
		t.Errorf("direct-chat contacts: %v", dm)
	}
	if found := w.contacts(t, "q=4477"); len(found) != 1 {
		t.Errorf("q=4477: %v", found)
	}
	if other := w.contacts(t, "group=120363000000000000%40g.us"); len(other) != 0 {
		t.Errorf("contacts of an unknown group: %v", other)
	}
	for _, q := range []string{"source=email", "limit=many", "cursor=not-a-cursor"} {
		status, _, body := w.do(t, http.MethodGet, "/api/v1/sessions/"+session+"/contacts?"+q, key, "")
		if status != http.StatusBadRequest || errorCode(t, body) != "validation_error" {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
}

func TestWrites(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, key, body string
		status                        int
		code                          string
		phone, role                   string // the role of phone in the doc group afterwards
	}{
		{"add", "POST", groupPath + "/members", key, `{"participants":["33612342001@s.whatsapp.net"]}`, 204, "", newbie, "member"},
		{"add with a raw @", "POST", "/api/v1/sessions/" + session + "/groups/120363041234567890@g.us/members", key, `{"participants":["33612342001@s.whatsapp.net"]}`, 204, "", newbie, "member"},
		{"add a privacy-protected number: 204, not added", "POST", groupPath + "/members", key, `{"participants":["447700900001@s.whatsapp.net"]}`, 204, "", private, ""},
		{"add an unregistered number: 204, not added", "POST", groupPath + "/members", key, `{"participants":["15550000000@s.whatsapp.net"]}`, 204, "", unreg, ""},
		{"add an E.164 number", "POST", groupPath + "/members", key, `{"participants":["+33612342001"]}`, 400, "validation_error", newbie, ""},
		{"add a c.us JID", "POST", groupPath + "/members", key, `{"participants":["33612342001@c.us"]}`, 400, "validation_error", newbie, ""},
		{"add nobody", "POST", groupPath + "/members", key, `{"participants":[]}`, 400, "validation_error", "", ""},
		{"add without JSON", "POST", groupPath + "/members", key, `participants`, 400, "validation_error", "", ""},
		{"add to a group id that is no JID", "POST", "/api/v1/sessions/" + session + "/groups/WAG-1/members", key, `{"participants":["33612342001@s.whatsapp.net"]}`, 400, "validation_error", newbie, ""},
		{"add to an unknown group", "POST", "/api/v1/sessions/" + session + "/groups/120363000000000000%40g.us/members", key, `{"participants":["33612342001@s.whatsapp.net"]}`, 404, "not_found", newbie, ""},
		{"promote", "POST", groupPath + "/members/447700900002%40s.whatsapp.net/promote", key, "", 204, "", member, "admin"},
		{"promote a non-member", "POST", groupPath + "/members/33612342001%40s.whatsapp.net/promote", key, "", 404, "not_found", newbie, ""},
		{"promote by E.164", "POST", groupPath + "/members/+447700900002/promote", key, "", 400, "validation_error", member, "member"},
		{"demote the creator: 204, unchanged", "POST", groupPath + "/members/12125550199%40s.whatsapp.net/demote", key, "", 204, "", creator, "superadmin"},
		{"demote a member: a no-op", "POST", groupPath + "/members/447700900002%40s.whatsapp.net/demote", key, "", 204, "", member, "member"},
		{"demote a non-member", "POST", groupPath + "/members/33612342001%40s.whatsapp.net/demote", key, "", 404, "not_found", newbie, ""},
		{"remove", "DELETE", groupPath + "/members/447700900002%40s.whatsapp.net", key, "", 204, "", member, ""},
		{"remove a non-member: idempotent", "DELETE", groupPath + "/members/33612342001%40s.whatsapp.net", key, "", 204, "", newbie, ""},
		{"remove the creator: 204, unchanged", "DELETE", groupPath + "/members/12125550199%40s.whatsapp.net", key, "", 204, "", creator, "superadmin"},
		{"write where the account is only a member", "POST", "/api/v1/sessions/" + session + "/groups/120363041234567891%40g.us/members", key, `{"participants":["33612342001@s.whatsapp.net"]}`, 403, "forbidden", "", ""},
		{"write from an unpaired session", "POST", "/api/v1/sessions/01J9ZX8K2QHV0M3T6R7P4N5W8E/groups/120363041234567890%40g.us/members", unpaired, `{"participants":["33612342001@s.whatsapp.net"]}`, 501, "not_implemented", newbie, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := start(t)
			status, _, body := w.do(t, tc.method, tc.path, tc.key, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if tc.code != "" && errorCode(t, body) != tc.code {
				t.Errorf("code of %s, want %s", body, tc.code)
			}
			if tc.code == "" && len(body) != 0 {
				t.Errorf("a 204 with a body: %q", body)
			}
			if tc.phone != "" {
				if got := simtest.Roles(t, w.Sim, docGroup)[tc.phone]; got != tc.role {
					t.Errorf("%s: role %q, want %q", tc.phone, got, tc.role)
				}
			}
		})
	}
}

// TestWritesByLID: remove, promote and demote take the member's LID as the member list gives it,
// as the gateway hands any JID to whatsmeow; a LID nobody has is no member.
func TestWritesByLID(t *testing.T) {
	w := start(t)
	_, _, body := w.do(t, http.MethodGet, groupPath+"/members", key, "")
	var page struct{ Data []memberRow }
	if err := json.Unmarshal(body, &page); err != nil || len(page.Data) != 3 {
		t.Fatalf("members %s", body)
	}
	memberLID := page.Data[2].LID // the plain member, +447700900002
	for _, tc := range []struct {
		name, method, path string
		status             int
		role               string // the member's role afterwards
	}{
		{"promote by LID", "POST", "/members/" + memberLID + "/promote", 204, "admin"},
		{"demote by LID", "POST", "/members/" + memberLID + "/demote", 204, "member"},
		{"promote an unknown LID", "POST", "/members/999999999999999@lid/promote", 404, "member"},
		{"remove an unknown LID: idempotent", "DELETE", "/members/999999999999999@lid", 204, "member"},
		{"promote a malformed LID", "POST", "/members/abc@lid/promote", 400, "member"},
		{"remove by LID", "DELETE", "/members/" + memberLID, 204, ""},
	} {
		status, _, body := w.do(t, tc.method, groupPath+tc.path, key, "")
		if status != tc.status {
			t.Fatalf("%s: status %d, want %d: %s", tc.name, status, tc.status, body)
		}
		if got := simtest.Roles(t, w.Sim, docGroup)[member]; got != tc.role {
			t.Errorf("%s: role %q, want %q", tc.name, got, tc.role)
		}
	}
}

// TestRewrittenNumberIsAMember: a write naming a Brazilian mobile with its ninth digit reaches
// the member WhatsApp lists without it, as WhatsApp files both forms as one person.
func TestRewrittenNumberIsAMember(t *testing.T) {
	s := simtest.Start(t, sim.Seed{
		Accounts: []sim.Account{{Name: "qg", Type: "QuickGateway", APIKey: key, Session: session, Numbers: []string{self}}},
		Groups: []sim.SeedGroup{{ID: docGroup, Participants: []sim.SeedMember{
			{Phone: creator, Role: "superadmin"}, {Phone: self, Role: "admin"}, {Phone: "+553187650001"}}}},
	})
	w := world{s}
	status, _, body := w.do(t, http.MethodPost, groupPath+"/members/5531987650001%40s.whatsapp.net/promote", key, "")
	if status != http.StatusNoContent {
		t.Fatalf("status %d: %s", status, body)
	}
	if r := simtest.Roles(t, w.Sim, docGroup); r["+553187650001"] != "admin" || len(r) != 3 {
		t.Errorf("roster %v, want +553187650001 admin and nobody new", r)
	}
}

// TestCheckContact: the live lookup says whether a number is on WhatsApp, for a connected
// session.
func TestCheckContact(t *testing.T) {
	w := start(t)
	check := "/api/v1/sessions/" + session + "/contacts/check?phone="
	for _, tc := range []struct {
		name, path, key string
		status          int
		want            string // the answer, or the error code
	}{
		{"on WhatsApp", check + "%2B447700900002", key, 200, `{"query": "+447700900002", "isOnWhatsApp": true, "jid": "447700900002@s.whatsapp.net"}`},
		{"digits only", check + "447700900002", key, 200, `{"query": "447700900002", "isOnWhatsApp": true, "jid": "447700900002@s.whatsapp.net"}`},
		{"not on WhatsApp", check + "%2B15550000000", key, 200, `{"query": "+15550000000", "isOnWhatsApp": false}`},
		{"no phone", check, key, 400, "validation_error"},
		{"a JID", check + "447700900002%40s.whatsapp.net", key, 400, "validation_error"},
		{"unpaired session", "/api/v1/sessions/01J9ZX8K2QHV0M3T6R7P4N5W8E/contacts/check?phone=%2B447700900002", unpaired, 501, "not_implemented"},
	} {
		status, _, body := w.do(t, http.MethodGet, tc.path, tc.key, "")
		switch {
		case status != tc.status:
			t.Errorf("%s: status %d, want %d: %s", tc.name, status, tc.status, body)
		case status == http.StatusOK:
			simtest.AssertJSON(t, body, tc.want)
		case errorCode(t, body) != tc.want:
			t.Errorf("%s: %s, want code %s", tc.name, body, tc.want)
		}
	}
}

func TestRateLimitAnswersInTheEnvelope(t *testing.T) {
	w := start(t)
	path := "/api/v1/sessions/01J9ZX8K2QHV0M3T6R7P4N5W8F/groups"
	if status, _, body := w.do(t, http.MethodGet, path, limited, ""); status != http.StatusOK {
		t.Fatalf("first call: %d %s", status, body)
	}
	status, h, body := w.do(t, http.MethodGet, path, limited, "")
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "60" || errorCode(t, body) != "rate_limited" {
		t.Errorf("second call: %d Retry-After %q %s", status, h.Get("Retry-After"), body)
	}
}

func TestCallLog(t *testing.T) {
	w := start(t)
	w.do(t, http.MethodGet, "/api/v1/sessions/"+session, key, "")
	w.do(t, http.MethodGet, groupPath+"/members", key, "")
	w.do(t, http.MethodGet, "/api/v1/sessions/"+session+"/contacts?group=120363041234567890%40g.us", key, "")
	w.do(t, http.MethodPost, groupPath+"/members", key, `{"participants":["33612342001@s.whatsapp.net"]}`)
	w.do(t, http.MethodPost, groupPath+"/members/33612342001%40s.whatsapp.net/promote", key, "")
	w.do(t, http.MethodPost, groupPath+"/members/33612342001%40s.whatsapp.net/demote", key, "")
	w.do(t, http.MethodDelete, groupPath+"/members/33612342001%40s.whatsapp.net", key, "")
	w.do(t, http.MethodGet, "/api/v1/sessions/"+session+"/nothing", key, "")
	type entry struct {
		op, group string
		members   int
	}
	var got []entry
	for _, c := range w.Sim.Calls() {
		got = append(got, entry{c.Op, c.Group, c.Members})
		if c.Account != "qg" || c.Provider != "QuickGateway" {
			t.Errorf("call %+v", c)
		}
	}
	want := []entry{
		{sim.OpAccount, "", 0}, {sim.OpRead, docGroup, 0}, {sim.OpRead, "", 0}, {sim.OpAdd, docGroup, 1},
		{sim.OpPromote, docGroup, 0}, {sim.OpDemote, docGroup, 0}, {sim.OpRemove, docGroup, 0}, {sim.OpUnknown, "", 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("call log %+v\nwant %+v", got, want)
	}
}
