// The QuickGateway client's tests: golden requests and responses from the gateway's documented
// examples (testdata/README.md says where each comes from), the error and LID-resolution cases
// against a scripted server, then the client against wagov-sim's QuickGateway dialect. Every
// error is checked for the API key.

package quickgateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/providertest"
	"github.com/wagov/wagov/internal/provider/quickgateway"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/quickgateway"
	"github.com/wagov/wagov/internal/sim/simtest"
)

const (
	apiKey     = "qg-test-key-5d1e8a27"
	docSession = "01J9ZX8K2QHV0M3T6R7P4N5W8C" // the session of the getSession and listGroupMembers examples
	docGroup   = "120363021234567890@g.us"    // the group of the listGroupMembers example
	docLID     = "205227043110953@lid"        // the member example's LID and the session's waLid
	docNumber  = "6281234567890"              // the session's phoneNumber
)

var ctx = context.Background()

// reply is an answer of status with body.
func reply(status int, body string) providertest.Reply {
	return providertest.Reply{Status: status, Body: []byte(body)}
}

const emptyPage = `{"data": [], "nextCursor": ""}`

// registered answers the live lookup GET /contacts/check as for a number on WhatsApp, and every
// other request with answer.
func registered(answer func(providertest.Request) providertest.Reply) func(providertest.Request) providertest.Reply {
	return func(r providertest.Request) providertest.Reply {
		if strings.HasSuffix(r.Path, "/contacts/check") {
			return reply(200, `{"query": "+6281234567890", "isOnWhatsApp": true, "jid": "6281234567890@s.whatsapp.net"}`)
		}
		return answer(r)
	}
}

// documented answers the documented reads: the session, then the member list and the
// contacts, each followed by the empty page its placeholder cursor "string" leads to.
func documented(t *testing.T) func(providertest.Request) providertest.Reply {
	return func(r providertest.Request) providertest.Reply {
		base := "/api/v1/sessions/" + docSession
		switch {
		case r.Path == base:
			return providertest.Reply{Status: 200, Body: providertest.Fixture(t, "session_response.json")}
		case strings.Contains(r.Query, "cursor=string"):
			return reply(200, emptyPage)
		case r.Path == base+"/groups/"+docGroup+"/members":
			return providertest.Reply{Status: 200, Body: providertest.Fixture(t, "members_response.json")}
		case r.Path == base+"/contacts":
			return providertest.Reply{Status: 200, Body: providertest.Fixture(t, "contacts_response.json")}
		}
		return providertest.Reply{Status: 404, Body: providertest.Fixture(t, "error_response.json")}
	}
}

// --- Golden requests and responses from the gateway's documentation ---

func TestDocumentedReadGroup(t *testing.T) {
	gw := providertest.Serve(t, documented(t))
	g, err := providertest.NewClient(t, quickgateway.New, gw.URL, docSession, apiKey).ReadGroup(ctx, docGroup)
	if err != nil {
		t.Fatal(err)
	}
	want := roster.Group{ID: docGroup, Self: docNumber, Participants: []roster.Participant{
		{Phone: docNumber, RawID: docLID, Role: roster.RoleMember}}}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("group %+v\nwant %+v", g, want)
	}
	base := "/api/v1/sessions/" + docSession
	wantRequests := []struct{ escaped, query string }{
		{base, ""},
		{base + "/groups/120363021234567890%40g.us/members", ""},
		{base + "/groups/120363021234567890%40g.us/members", "cursor=string"},
		{base + "/contacts", "group=120363021234567890%40g.us&limit=200"},
		{base + "/contacts", "cursor=string&group=120363021234567890%40g.us&limit=200"},
	}
	got := gw.Requests()
	if len(got) != len(wantRequests) {
		t.Fatalf("requests %+v", got)
	}
	for i, w := range wantRequests {
		if got[i].Method != http.MethodGet || got[i].EscapedPath != w.escaped || got[i].Query != w.query || got[i].Header.Get("Authorization") != "Bearer "+apiKey {
			t.Errorf("request %d: %+v, want GET %s?%s with the bearer key", i, got[i], w.escaped, w.query)
		}
	}
}

func TestDocumentedPromoteRequest(t *testing.T) {
	curl := strings.TrimSpace(string(providertest.Fixture(t, "promote_request.txt")))
	docURL := strings.Trim(curl[strings.Index(curl, `"`):], `"`)
	docPath := strings.TrimPrefix(docURL, "https://example.com")
	session, group, number := "01HZ0SESSION0000000000000", "120363041234567890@g.us", roster.MustNormalize("+"+docNumber)

	for _, tc := range []struct {
		name   string
		answer providertest.Reply
		result provider.Result
		err    error
	}{
		{"204", reply(204, ""), provider.ResultUnknown, nil},
		{"the documented error example", providertest.Reply{Status: 404, Body: providertest.Fixture(t, "error_response.json")}, "", provider.ErrNotFound},
		{"a member who is not in the group", reply(404, `{"error": {"code": "not_found", "message": "member not found"}}`), provider.ResultRejected, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw := providertest.Serve(t, providertest.Always(tc.answer.Status, tc.answer.Body))
			out, err := providertest.NewClient(t, quickgateway.New, gw.URL, session, apiKey).Change(ctx, group, roster.OpPromote, []roster.Phone{number})
			req := gw.Requests()[0]
			if req.Method != http.MethodPost || req.Path != docPath || req.EscapedPath != strings.ReplaceAll(docPath, "@", "%40") || req.Query != "" || len(req.Body) != 0 {
				t.Errorf("request %+v, want the documented POST %s with @ as %%40 and no body", req, docPath)
			}
			if tc.err != nil {
				providertest.AssertFailed(t, err, tc.err, apiKey)
				if !strings.Contains(err.Error(), "session not found") {
					t.Errorf("error %v does not carry the gateway's message", err)
				}
				return
			}
			if err != nil || len(out) != 1 || out[0].Member != number || out[0].Result != tc.result {
				t.Errorf("outcomes %+v, err %v; want one %s", out, err, tc.result)
			}
		})
	}
}

func TestWriteRequests(t *testing.T) {
	number := roster.MustNormalize("+" + docNumber)
	group := "/api/v1/sessions/" + docSession + "/groups/120363021234567890%40g.us/members"
	for _, tc := range []struct {
		op                    roster.Op
		method, escaped, body string
	}{
		{roster.OpAdd, http.MethodPost, group, `{"participants":["6281234567890@s.whatsapp.net"]}`},
		{roster.OpRemove, http.MethodDelete, group + "/6281234567890%40s.whatsapp.net", ""},
		{roster.OpPromote, http.MethodPost, group + "/6281234567890%40s.whatsapp.net/promote", ""},
		{roster.OpDemote, http.MethodPost, group + "/6281234567890%40s.whatsapp.net/demote", ""},
	} {
		t.Run(string(tc.op), func(t *testing.T) {
			gw := providertest.Serve(t, registered(providertest.Always(204, nil)))
			out, err := providertest.NewClient(t, quickgateway.New, gw.URL+"/api/v1/", docSession, apiKey).Change(ctx, docGroup, tc.op, []roster.Phone{number})
			if err != nil || len(out) != 1 || out[0].Result != provider.ResultUnknown {
				t.Fatalf("outcomes %+v, err %v; want one Unknown", out, err)
			}
			reqs := gw.Requests()
			req := reqs[len(reqs)-1]
			if req.Method != tc.method || req.EscapedPath != tc.escaped || string(req.Body) != tc.body || req.Header.Get("Authorization") != "Bearer "+apiKey {
				t.Errorf("request %+v, want %s %s %s", req, tc.method, tc.escaped, tc.body)
			}
			if ct := req.Header.Get("Content-Type"); tc.body != "" && ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// TestAddLooksUpNumbers: before an add the client asks the gateway's live lookup about each
// newcomer, as the add's 204 would hide an unregistered number; only those on WhatsApp are sent.
func TestAddLooksUpNumbers(t *testing.T) {
	on, off := roster.MustNormalize("+"+docNumber), roster.MustNormalize("+15550000000")
	lookup := func(r providertest.Request) providertest.Reply {
		if strings.HasSuffix(r.Path, "/contacts/check") {
			return reply(200, fmt.Sprintf(`{"query": %q, "isOnWhatsApp": %v}`, r.Query, strings.Contains(r.Query, docNumber)))
		}
		return reply(204, "")
	}
	for _, tc := range []struct {
		name    string
		members []roster.Phone
		want    []provider.Result
		sent    string // the add's body, "" for no add
	}{
		{"one on WhatsApp, one not", []roster.Phone{off, on}, []provider.Result{provider.ResultNotOnWhatsApp, provider.ResultUnknown},
			`{"participants":["6281234567890@s.whatsapp.net"]}`},
		{"none on WhatsApp", []roster.Phone{off}, []provider.Result{provider.ResultNotOnWhatsApp}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw := providertest.Serve(t, lookup)
			out, err := providertest.NewClient(t, quickgateway.New, gw.URL, docSession, apiKey).Change(ctx, docGroup, roster.OpAdd, tc.members)
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range out {
				if o.Member != tc.members[i] || o.Result != tc.want[i] {
					t.Errorf("outcome %d: %+v, want %s", i, o, tc.want[i])
				}
			}
			reqs := gw.Requests()
			for i, m := range tc.members {
				if r := reqs[i]; r.Method != http.MethodGet || r.Path != "/api/v1/sessions/"+docSession+"/contacts/check" || r.Query != "phone=%2B"+string(m) {
					t.Errorf("lookup %d: %s %s?%s", i, r.Method, r.Path, r.Query)
				}
			}
			adds := reqs[len(tc.members):]
			if tc.sent == "" && len(adds) != 0 || tc.sent != "" && (len(adds) != 1 || string(adds[0].Body) != tc.sent) {
				t.Errorf("adds %+v, want body %q", adds, tc.sent)
			}
		})
	}
}

// --- Errors, LID resolution and paging against a scripted gateway ---

func TestErrorsMapToSentinels(t *testing.T) {
	envelope := func(code, message string) string {
		b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
		return string(b)
	}
	for _, tc := range []struct {
		name   string
		write  bool
		answer providertest.Reply
		want   error
	}{
		{"unauthorized", false, reply(401, envelope("unauthorized", "invalid api key "+apiKey)), provider.ErrUnauthorized},
		{"read without the capability", false, reply(403, envelope("forbidden", "missing required capability: manage")), provider.ErrUnauthorized},
		{"write without the capability", true, reply(403, envelope("forbidden", "missing required capability: send")), provider.ErrUnauthorized},
		{"write as a plain member, as documented", true, reply(403, envelope("forbidden", "not a group admin")), provider.ErrNotAdmin},
		{"write as a plain member, as the code answers", true, reply(500, envelope("internal", "internal server error")), provider.ErrUnavailable},
		{"session not connected", true, reply(501, envelope("not_implemented", "live WhatsApp client is not available for this session")), provider.ErrUnavailable},
		{"gateway draining", false, reply(503, envelope("gateway_unavailable", "request timed out")), provider.ErrUnavailable},
		{"malformed JID", true, reply(400, envelope("validation_error", "invalid jid")), provider.ErrInvalidRequest},
		{"conflict", true, reply(409, envelope("conflict", "busy")), provider.ErrInvalidRequest},
		{"unknown group on add", true, reply(404, envelope("not_found", "group not found")), provider.ErrNotFound},
		{"rate limited", true, reply(429, envelope("rate_limited", "slow down")), provider.ErrRateLimited},
		{"not JSON", false, reply(200, `{"phoneNumber": `), provider.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw := providertest.Serve(t, registered(providertest.Always(tc.answer.Status, tc.answer.Body)))
			c := providertest.NewClient(t, quickgateway.New, gw.URL, docSession, apiKey)
			var err error
			if tc.write {
				_, err = c.Change(ctx, docGroup, roster.OpAdd, []roster.Phone{roster.MustNormalize("+" + docNumber)})
			} else {
				err = c.CheckAccount(ctx)
			}
			providertest.AssertFailed(t, err, tc.want, apiKey)
		})
	}
}

func TestRetryAfter(t *testing.T) {
	srv := providertest.Serve(t, func(providertest.Request) providertest.Reply {
		return providertest.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"42"}},
			Body: []byte(`{"error": {"code": "rate_limited", "message": "rate limit exceeded"}}`)}
	})
	err := providertest.NewClient(t, quickgateway.New, srv.URL, docSession, apiKey).CheckAccount(ctx)
	if d, ok := provider.RetryAfter(err); !ok || d.Seconds() != 42 {
		t.Errorf("err %v: wait %v", err, d)
	}
}

// TestResolution reads a roster whose members are resolved in every way the gateway allows,
// or not at all.
func TestResolution(t *testing.T) {
	members := `{"data": [
		{"lid": "205227043110953@lid", "role": "admin"},
		{"lid": "211111111111111@lid", "role": "superadmin"},
		{"lid": "222222222222222@lid", "role": "member"},
		{"lid": "233333333333333@lid", "role": "member"},
		{"lid": "33612342001@s.whatsapp.net", "role": "member"}
	], "nextCursor": ""}`
	contacts := []string{
		`{"data": [{"lid": "211111111111111@lid", "phoneNumber": "12125550199", "source": "group"}], "nextCursor": "eyJpZCI6MX0"}`,
		`{"data": [{"lid": "222222222222222@lid", "source": "group"}], "nextCursor": "eyJpZCI6Mn0"}`,
		emptyPage,
	}
	page := 0
	gw := providertest.Serve(t, func(r providertest.Request) providertest.Reply {
		switch {
		case strings.HasSuffix(r.Path, "/members"):
			return reply(200, members)
		case strings.HasSuffix(r.Path, "/contacts"):
			page++
			return reply(200, contacts[page-1])
		}
		return providertest.Reply{Status: 200, Body: providertest.Fixture(t, "session_response.json")}
	})
	g, err := providertest.NewClient(t, quickgateway.New, gw.URL, docSession, apiKey).ReadGroup(ctx, docGroup)
	if err != nil {
		t.Fatal(err)
	}
	want := []roster.Participant{
		{Phone: docNumber, RawID: "205227043110953@lid", Role: roster.RoleAdmin},          // the session's own LID
		{Phone: "12125550199", RawID: "211111111111111@lid", Role: roster.RoleSuperAdmin}, // a contact with a number
		{RawID: "222222222222222@lid", Role: roster.RoleMember},                           // a contact without one
		{RawID: "233333333333333@lid", Role: roster.RoleMember},                           // no contact
		{Phone: "33612342001", RawID: "33612342001@s.whatsapp.net", Role: roster.RoleMember},
	}
	if !reflect.DeepEqual(g.Participants, want) || g.Self != docNumber {
		t.Errorf("participants %+v\nwant %+v", g.Participants, want)
	}
	if page != 3 {
		t.Errorf("read %d contact pages, want 3", page)
	}
}

func TestNonsenseRosters(t *testing.T) {
	for name, members := range map[string]string{
		"unknown role":     `{"data": [{"lid": "205227043110953@lid", "role": "owner"}], "nextCursor": ""}`,
		"repeating cursor": `{"data": [], "nextCursor": "again"}`,
	} {
		t.Run(name, func(t *testing.T) {
			gw := providertest.Serve(t, func(r providertest.Request) providertest.Reply {
				if strings.HasSuffix(r.Path, "/members") {
					return reply(200, members)
				}
				if strings.HasSuffix(r.Path, "/contacts") {
					return reply(200, emptyPage)
				}
				return providertest.Reply{Status: 200, Body: providertest.Fixture(t, "session_response.json")}
			})
			_, err := providertest.NewClient(t, quickgateway.New, gw.URL, docSession, apiKey).ReadGroup(ctx, docGroup)
			providertest.AssertFailed(t, err, provider.ErrUnavailable, apiKey)
		})
	}
}

// TestBatchCaps: an add carries up to MaxBatch members in one call, a remove, promote or demote
// one; anything else is refused before calling.
func TestBatchCaps(t *testing.T) {
	gw := providertest.Serve(t, registered(providertest.Always(204, nil)))
	c := providertest.NewClient(t, quickgateway.New, gw.URL, docSession, apiKey)
	full := providertest.Numbers("+336123420%02d", quickgateway.MaxBatch+1)
	for _, tc := range []struct {
		op      roster.Op
		members []roster.Phone
	}{
		{roster.OpAdd, nil}, {roster.OpAdd, full}, {roster.OpRemove, full[:2]}, {roster.OpPromote, full[:2]},
		{roster.OpDemote, full[:2]}, {roster.OpDemote, nil}, {roster.Op("Rename"), full[:1]},
	} {
		_, err := c.Change(ctx, docGroup, tc.op, tc.members)
		providertest.AssertFailed(t, err, provider.ErrInvalidRequest, apiKey)
	}
	if n := len(gw.Requests()); n != 0 {
		t.Fatalf("refused calls made %d requests", n)
	}
	out, err := c.Change(ctx, docGroup, roster.OpAdd, full[:quickgateway.MaxBatch])
	if err != nil || len(out) != quickgateway.MaxBatch {
		t.Fatalf("a full add: outcomes %+v, err %v", out, err)
	}
	var body struct{ Participants []string }
	reqs := gw.Requests()
	if len(reqs) != quickgateway.MaxBatch+1 || json.Unmarshal(reqs[len(reqs)-1].Body, &body) != nil || len(body.Participants) != quickgateway.MaxBatch {
		t.Errorf("a full add sent %+v, want a lookup per member and one add with %d participants", reqs, quickgateway.MaxBatch)
	}
	for i, o := range out {
		if o.Member != full[i] || o.Result != provider.ResultUnknown {
			t.Errorf("outcome %d: %+v, want Unknown for %s", i, o, full[i].E164())
		}
	}
}

// TestWritesNameLIDsOfTheLastRead: after a read, a remove, promote or demote names the member by
// the LID the member list gave; an add, a number the read did not list and a group not read go
// by phone JID.
func TestWritesNameLIDsOfTheLastRead(t *testing.T) {
	const otherGroup = "120363021234567899@g.us"
	number, stranger := roster.MustNormalize("+"+docNumber), roster.MustNormalize("+33612342001")
	members := "/api/v1/sessions/" + docSession + "/groups/120363021234567890%40g.us/members"
	for _, tc := range []struct {
		name   string
		op     roster.Op
		group  string
		member roster.Phone
		method string
		path   string
	}{
		{"remove", roster.OpRemove, docGroup, number, http.MethodDelete, members + "/205227043110953%40lid"},
		{"promote", roster.OpPromote, docGroup, number, http.MethodPost, members + "/205227043110953%40lid/promote"},
		{"demote", roster.OpDemote, docGroup, number, http.MethodPost, members + "/205227043110953%40lid/demote"},
		{"add", roster.OpAdd, docGroup, number, http.MethodPost, members},
		{"a number the read did not list", roster.OpPromote, docGroup, stranger, http.MethodPost, members + "/33612342001%40s.whatsapp.net/promote"},
		{"a group not read", roster.OpPromote, otherGroup, number, http.MethodPost,
			"/api/v1/sessions/" + docSession + "/groups/120363021234567899%40g.us/members/6281234567890%40s.whatsapp.net/promote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reads := documented(t)
			gw := providertest.Serve(t, registered(func(r providertest.Request) providertest.Reply {
				if r.Method == http.MethodGet {
					return reads(r)
				}
				return reply(204, "")
			}))
			c := providertest.NewClient(t, quickgateway.New, gw.URL, docSession, apiKey)
			if _, err := c.ReadGroup(ctx, docGroup); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Change(ctx, tc.group, tc.op, []roster.Phone{tc.member}); err != nil {
				t.Fatal(err)
			}
			reqs := gw.Requests()
			if last := reqs[len(reqs)-1]; last.Method != tc.method || last.EscapedPath != tc.path {
				t.Errorf("request %s %s, want %s %s", last.Method, last.EscapedPath, tc.method, tc.path)
			}
		})
	}
}

// TestOwnNumberReadOnce: the session's identity costs one call per client, not one per read, and
// one client's identity is not another's.
func TestOwnNumberReadOnce(t *testing.T) {
	s, url := startSim(t)
	for range 2 {
		c := providertest.NewClient(t, quickgateway.New, url, simSession, apiKey)
		for range 3 {
			if g, err := c.ReadGroup(ctx, group); err != nil || g.Self != roster.MustNormalize(own) {
				t.Fatalf("Self %s, err %v", g.Self, err)
			}
		}
		if got := c.(provider.Identity).OwnNumber(); got != roster.MustNormalize(own) {
			t.Errorf("OwnNumber() = %q, want %s", got, own)
		}
	}
	ops := map[string]int{}
	for _, c := range s.Calls() {
		ops[c.Op]++
	}
	if want := map[string]int{sim.OpAccount: 2, sim.OpRead: 12}; !reflect.DeepEqual(ops, want) {
		t.Errorf("calls %v, want %v", ops, want)
	}
}

func TestNewRefusesBadAccounts(t *testing.T) {
	for _, account := range []string{"", " ", "01J9/ZX", "+6281234567890@s.whatsapp.net"} {
		if _, err := quickgateway.New(provider.Config{Endpoint: "http://gw", Account: account, Credential: apiKey}); err == nil {
			t.Errorf("account %q accepted", account)
		}
	}
	_, err := quickgateway.New(provider.Config{Endpoint: "http://gw", Account: docSession})
	providertest.AssertFailed(t, err, provider.ErrUnauthorized, apiKey)
}

// --- Against wagov-sim's QuickGateway dialect ---

const (
	simSession = "01JQ0000000000000000000001"
	own        = "+33612342000"
	creator    = "+12125550199"
	admin      = "+33612342001"
	member     = "+33612342002"
	newbie     = "+33612342009"
	private    = "+447700900001"
	group      = "120363000000006242@g.us"
)

// startSim serves one paired and one unpaired session over one group, and returns the simulator
// and its URL.
func startSim(t *testing.T) (*sim.Sim, string) {
	t.Helper()
	s := simtest.Serve(t, sim.Seed{
		Accounts: []sim.Account{
			{Name: "qg", Type: "QuickGateway", APIKey: apiKey, Session: simSession, Numbers: []string{own}},
			{Name: "qg-unpaired", Type: "QuickGateway", APIKey: "qg-unpaired-key", Session: "01JQ0000000000000000000002"},
		},
		People: []sim.Person{{Phone: private, Privacy: true}},
		Groups: []sim.SeedGroup{{ID: group, Participants: []sim.SeedMember{
			{Phone: creator, Role: "superadmin"}, {Phone: own, Role: "admin"}, {Phone: admin, Role: "admin"}, {Phone: member}}}},
	})
	return s.Sim, s.URL
}

func TestAgainstSimulator(t *testing.T) {
	s, url := startSim(t)
	c := providertest.NewClient(t, quickgateway.New, url, simSession, apiKey)
	if err := c.CheckAccount(ctx); err != nil {
		t.Fatalf("CheckAccount: %v", err)
	}
	if got := c.(provider.Identity).OwnNumber(); got != roster.MustNormalize(own) {
		t.Errorf("OwnNumber() = %q after CheckAccount, want %s", got, own)
	}
	s.ResetCalls()
	g, err := c.ReadGroup(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range g.Participants {
		if !p.Resolved() || !strings.HasSuffix(p.RawID, "@lid") {
			t.Errorf("participant %+v", p)
		}
		got[p.Phone.E164()] = string(p.Role)
	}
	if !reflect.DeepEqual(got, simtest.Roles(t, s, group)) || g.Self != roster.MustNormalize(own) {
		t.Errorf("roster %v self %s, want %v self %s", got, g.Self, simtest.Roles(t, s, group), own)
	}
	// CheckAccount read the session, so the read costs the member list and its contacts.
	if calls := s.Calls(); len(calls) != 2 {
		t.Errorf("a read made %d calls, want 2: %+v", len(calls), calls)
	}

	for _, step := range []struct {
		op     roster.Op
		number string
		role   string
	}{
		{roster.OpAdd, newbie, "member"}, {roster.OpPromote, newbie, "admin"},
		{roster.OpDemote, admin, "member"}, {roster.OpRemove, member, ""},
		{roster.OpAdd, private, ""}, // privacy: the gateway answers 204 all the same
	} {
		out, cerr := c.Change(ctx, group, step.op, []roster.Phone{roster.MustNormalize(step.number)})
		if cerr != nil || len(out) != 1 || out[0].Result != provider.ResultUnknown {
			t.Fatalf("%s %s: outcomes %+v, err %v", step.op, step.number, out, cerr)
		}
		if role := simtest.Roles(t, s, group)[step.number]; role != step.role {
			t.Errorf("after %s %s: role %q, want %q", step.op, step.number, role, step.role)
		}
	}
	out, err := c.Change(ctx, group, roster.OpDemote, []roster.Phone{roster.MustNormalize(private)})
	if err != nil || out[0].Result != provider.ResultRejected {
		t.Errorf("demote a non-member: outcomes %+v, err %v", out, err)
	}
	// The members the read listed were named by LID; the newcomer, added after it, by number.
	byLID := map[string]bool{sim.OpPromote: false, sim.OpDemote: true, sim.OpRemove: true}
	for _, call := range s.Calls() {
		if want, ok := byLID[call.Op]; ok && call.Status == http.StatusNoContent && strings.Contains(call.Path, "@lid") != want {
			t.Errorf("%s %s, want by LID %v", call.Op, call.Path, want)
		}
	}
}

func TestCheckAccountAgainstSimulator(t *testing.T) {
	_, url := startSim(t)
	unpaired := providertest.NewClient(t, quickgateway.New, url, "01JQ0000000000000000000002", "qg-unpaired-key")
	providertest.AssertFailed(t, unpaired.CheckAccount(ctx), provider.ErrUnavailable, apiKey)
	if got := unpaired.(provider.Identity).OwnNumber(); got != "" {
		t.Errorf("unpaired session: OwnNumber() = %q", got)
	}
	providertest.AssertFailed(t, providertest.NewClient(t, quickgateway.New, url, "01JQ000000000000000000000X", apiKey).CheckAccount(ctx), provider.ErrNotFound, apiKey)
	providertest.AssertFailed(t, providertest.NewClient(t, quickgateway.New, url, simSession, apiKey+"-wrong").CheckAccount(ctx), provider.ErrUnauthorized, apiKey)
	_, err := providertest.NewClient(t, quickgateway.New, url, "01JQ0000000000000000000002", "qg-unpaired-key").ReadGroup(ctx, group)
	providertest.AssertFailed(t, err, provider.ErrUnavailable, apiKey)
}
