// The GOWA client's tests: golden requests and responses from GOWA's OpenAPI document
// (testdata/README.md says where each fixture comes from), error mapping on GOWA's error
// shapes, then the client against wagov-sim's GOWA dialect for roles, LIDs, the own number,
// batches refused for an unregistered number, per-member outcomes and whole-call errors. Every
// error is checked for the credential.

package gowa_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/gowa"
	"github.com/wagov/wagov/internal/provider/providertest"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/gowa"
)

const (
	credential = "admin:gowa-pass-5c1e9a07" // the apiKey of testdata/world.yaml
	password   = "gowa-pass-5c1e9a07"
	wrongCred  = "admin:wrong-pass-77d0e3"
	device     = "my-business-account" // the session of testdata/world.yaml

	group      = "120363025982934543@g.us" // the device is an admin
	lidGroup   = "120363024512399999@g.us" // LID-addressed; the device created it
	memberOnly = "120363000000000003@g.us" // the device is a plain member
	docGroup   = "1203632782168851111@g.us"
)

// The seed's numbers (testdata/world.yaml).
var (
	creator       = roster.MustNormalize("+12125550199")
	self          = roster.MustNormalize("+6281234567890")
	member        = roster.MustNormalize("+447700900002")
	admin         = roster.MustNormalize("+447700900004")
	private       = roster.MustNormalize("+447700900001")
	unregistered  = roster.MustNormalize("+15550000000")
	unregistered2 = roster.MustNormalize("+15550000001")
	recentlyLeft  = roster.MustNormalize("+17137150000")
	newbie        = roster.MustNormalize("+447700176576")
	newbie2       = roster.MustNormalize("+447700176577")
)

// secrets are the credential and its parts, as given and as Basic auth sends them.
var secrets = []string{credential, password, wrongCred, base64.StdEncoding.EncodeToString([]byte(credential))}

// --- Golden requests and responses from GOWA's OpenAPI document ---

func assertAuth(t *testing.T, got providertest.Request) {
	t.Helper()
	if want, auth := "Basic "+base64.StdEncoding.EncodeToString([]byte(credential)), got.Header.Get("Authorization"); auth != want {
		t.Errorf("Authorization %q, want %q", auth, want)
	}
	if id := got.Header.Get("X-Device-Id"); id != device {
		t.Errorf("X-Device-Id %q, want %q", id, device)
	}
}

// The documented request's participants: 16 digits, as the example gives them.
var docMembers = []roster.Phone{"6819241294719274", "6829241294719274", "6839241294719274"}

func TestDocumentedWrites(t *testing.T) {
	paths := map[roster.Op]string{
		roster.OpAdd: "/gowa/group/participants", roster.OpRemove: "/gowa/group/participants/remove",
		roster.OpPromote: "/gowa/group/participants/promote", roster.OpDemote: "/gowa/group/participants/demote",
	}
	want := providertest.Compact(t, providertest.Fixture(t, "change_request.json"))
	for op, path := range paths {
		t.Run(string(op), func(t *testing.T) {
			srv := providertest.Serve(t, providertest.Always(http.StatusOK, providertest.Fixture(t, "change_response.json")))
			// The endpoint carries an APP_BASE_PATH, with a trailing slash.
			got, err := providertest.NewClient(t, gowa.New, srv.URL+"/gowa/", device, credential).Change(context.Background(), docGroup, op, docMembers)
			if err != nil {
				t.Fatal(err)
			}
			req := srv.Requests()[0]
			if ct := req.Header.Get("Content-Type"); req.Method != http.MethodPost || req.Path != path || req.Query != "" || ct != "application/json" {
				t.Errorf("request %s %s?%s (%s), want POST %s", req.Method, req.Path, req.Query, ct, path)
			}
			assertAuth(t, req)
			if !bytes.Equal(req.Body, want) {
				t.Errorf("body\n%s\nwant\n%s", req.Body, want)
			}
			// The documented answer names a participant that was not sent: nothing is known.
			wantOut := make([]provider.Outcome, len(docMembers))
			for i, m := range docMembers {
				wantOut[i] = provider.Outcome{Member: m, Result: provider.ResultUnknown}
			}
			if !reflect.DeepEqual(got, wantOut) {
				t.Errorf("outcomes %+v, want %+v", got, wantOut)
			}
		})
	}
}

// statusOK answers the status read with the documented 9.0.0 example and everything else with
// otherwise, so that a group read gets past learning the own number.
func statusOK(t *testing.T, otherwise providertest.Reply) func(providertest.Request) providertest.Reply {
	return providertest.Routes(map[string]providertest.Reply{
		"GET /app/status": {Status: http.StatusOK, Body: providertest.Fixture(t, "status_response_v9.json")},
	}, otherwise)
}

func TestDocumentedParticipants(t *testing.T) {
	srv := providertest.Serve(t, statusOK(t, providertest.Reply{Status: http.StatusOK, Body: providertest.Fixture(t, "participants_response.json")}))
	got, err := providertest.NewClient(t, gowa.New, srv.URL, device, credential).ReadGroup(context.Background(), "120363347168689807@g.us")
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the status read and the participants read", len(reqs))
	}
	req := reqs[1]
	if req.Method != http.MethodGet || req.Path != "/group/participants" || req.Query != "group_id=120363347168689807%40g.us" {
		t.Errorf("request %s %s?%s", req.Method, req.Path, req.Query)
	}
	assertAuth(t, req)
	want := roster.Group{ID: "120363347168689807@g.us", Name: "Example Group", Self: "6289685028129", Participants: []roster.Participant{
		{Phone: "6288228744537", RawID: "6288228744537@s.whatsapp.net", Role: roster.RoleSuperAdmin},
		{Phone: "6289685028129", RawID: "205227043110953@lid", Role: roster.RoleAdmin},
		{RawID: "205227043110954@lid", Role: roster.RoleMember},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("group\n%+v\nwant\n%+v", got, want)
	}
}

// TestDocumentedStatus reads the device's status as each GOWA version documents it: the jid
// names the own number; an answer without one (before 8.3.1) leaves it unknown.
func TestDocumentedStatus(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		own  roster.Phone
	}{
		{"9.0.0", providertest.Fixture(t, "status_response_v9.json"), "6289685028129"},
		{"6.10, no jid", providertest.Fixture(t, "status_response.json"), ""},
		{"jid with a device suffix", []byte(`{"status":200,"code":"SUCCESS","message":"Connection status retrieved",
			"results":{"is_connected":true,"is_logged_in":true,"device_id":"org_2","jid":"6289685028129:12@s.whatsapp.net"}}`), "6289685028129"},
		{"not logged in yet, empty jid", []byte(`{"status":200,"code":"SUCCESS","message":"Connection status retrieved",
			"results":{"is_connected":true,"is_logged_in":true,"device_id":"org_2","jid":""}}`), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.Serve(t, providertest.Always(http.StatusOK, tt.body))
			c := providertest.NewClient(t, gowa.New, srv.URL, device, credential)
			if err := c.CheckAccount(context.Background()); err != nil {
				t.Fatal(err)
			}
			req := srv.Requests()[0]
			if req.Method != http.MethodGet || req.Path != "/app/status" {
				t.Errorf("request %s %s", req.Method, req.Path)
			}
			assertAuth(t, req)
			if got := c.(provider.Identity).OwnNumber(); got != tt.own {
				t.Errorf("OwnNumber() = %q, want %q", got, tt.own)
			}
		})
	}
}

// TestErrors maps GOWA's error answers, the documented ones and whatsmeow's texts, onto the
// sentinels, for the status read, a group read past it and an add; each body repeats the
// credential, which must not come through.
func TestErrors(t *testing.T) {
	echo := func(status int, code, msg string) []byte {
		b, _ := json.Marshal(map[string]any{"status": status, "code": code, "message": msg + " (auth " + credential + ", " + password + ")", "results": nil})
		return b
	}
	// The call that meets the error: the status read itself, or a group read or an add past it.
	const check, read, add = "check", "read", "add"
	tests := []struct {
		name   string
		status int
		body   []byte
		call   string
		want   error
	}{
		{"documented 500", 500, providertest.Fixture(t, "error_internal_server.json"), read, provider.ErrUnavailable},
		{"documented 400 with a numeric code", 400, providertest.Fixture(t, "error_bad_request.json"), add, provider.ErrInvalidRequest},
		{"Basic auth refused, plain text", 401, []byte("Unauthorized"), check, provider.ErrUnauthorized},
		{"device not logged in", 401, echo(401, "AUTHENTICATION_ERROR", "you are not logged in"), read, provider.ErrUnavailable},
		{"device not connected, newer GOWA", 503, echo(503, "SERVICE_UNAVAILABLE", "you are not connect to services server, please reconnect"), check, provider.ErrUnavailable},
		{"unknown device", 404, echo(404, "DEVICE_NOT_FOUND", "device not found"), check, provider.ErrNotFound},
		{"group not found", 500, echo(500, "INTERNAL_SERVER_ERROR", "group not found"), read, provider.ErrNotFound},
		{"not in the group", 500, echo(500, "INTERNAL_SERVER_ERROR", "you're not participating in that group"), read, provider.ErrNotFound},
		{"write as a non-admin", 500, echo(500, "INTERNAL_SERVER_ERROR", "info query returned status 403: forbidden"), add, provider.ErrNotAdmin},
		{"write as a non-admin, IQ 401", 500, echo(500, "INTERNAL_SERVER_ERROR", "info query returned status 401: not-authorized"), add, provider.ErrNotAdmin},
		{"write to an unknown group", 500, echo(500, "INTERNAL_SERVER_ERROR", "info query returned status 404: item-not-found"), add, provider.ErrNotFound},
		{"WhatsApp rate limit", 500, echo(500, "INTERNAL_SERVER_ERROR", "info query returned status 429: rate-overlimit"), add, provider.ErrRateLimited},
		{"other whatsmeow error", 500, echo(500, "INTERNAL_SERVER_ERROR", "websocket not connected"), add, provider.ErrUnavailable},
		{"timeout", 504, echo(504, "GATEWAY_TIMEOUT", "Request timed out waiting for WhatsApp server response"), read, provider.ErrUnavailable},
		{"malformed 200", 200, []byte(`{"status":200,"code":"SUCC`), read, provider.ErrUnavailable},
		{"200 without results", 200, []byte(`{"status":200,"code":"SUCCESS","message":"ok","results":null}`), read, provider.ErrUnavailable},
		{"status without connection flags", 200, []byte(`{"status":200,"code":"SUCCESS","message":"ok","results":{"device_id":"org_2"}}`), check, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failure := providertest.Reply{Status: tt.status, Body: tt.body}
			script := statusOK(t, failure)
			if tt.call == check {
				script = providertest.Always(tt.status, tt.body)
			}
			c := providertest.NewClient(t, gowa.New, providertest.Serve(t, script).URL, device, credential)
			var err error
			switch tt.call {
			case check:
				err = c.CheckAccount(context.Background())
			case read:
				_, err = c.ReadGroup(context.Background(), group)
			case add:
				_, err = c.Change(context.Background(), group, roster.OpAdd, []roster.Phone{newbie})
			}
			providertest.AssertFailed(t, err, tt.want, secrets...)
		})
	}
}

func TestRefusedBeforeAnyCall(t *testing.T) {
	tests := []struct {
		name    string
		group   string
		members []roster.Phone
	}{
		{"no members", group, nil},
		{"over the cap", group, []roster.Phone{newbie, newbie2, member, admin, private, creator}},
		{"a 2Chat-style group id", "WAG45b0f301-9203-4660-8b57-b51a6c2742a5", []roster.Phone{newbie}},
		{"a user JID as the group", "447700176576@s.whatsapp.net", []roster.Phone{newbie}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.Serve(t, providertest.Always(http.StatusOK, providertest.Fixture(t, "change_response.json")))
			_, err := providertest.NewClient(t, gowa.New, srv.URL, device, credential).Change(context.Background(), tt.group, roster.OpAdd, tt.members)
			providertest.AssertFailed(t, err, provider.ErrInvalidRequest, secrets...)
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d calls made", n)
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []provider.Config{
		{Endpoint: "http://gowa:3000", Account: device, Credential: "no-colon"},
		{Endpoint: "http://gowa:3000", Account: device, Credential: ":password-only"},
		{Endpoint: "http://gowa:3000", Account: " ", Credential: credential},
	} {
		if _, err := gowa.New(cfg); err == nil || strings.Contains(err.Error(), "password-only") {
			t.Errorf("New(%q, %q): err %v", cfg.Account, cfg.Credential, err)
		}
	}
}

// --- Against wagov-sim ---

func TestReadGroup(t *testing.T) {
	tests := []struct {
		name, id string
		want     roster.Group
	}{
		{"phone-addressed", group, roster.Group{ID: group, Name: "Field agents", Self: self, Participants: []roster.Participant{
			{Phone: creator, RawID: "12125550199@s.whatsapp.net", Role: roster.RoleSuperAdmin},
			{Phone: self, RawID: "6281234567890@s.whatsapp.net", Role: roster.RoleAdmin},
			{Phone: member, RawID: "447700900002@s.whatsapp.net", Role: roster.RoleMember},
			{Phone: admin, RawID: "447700900004@s.whatsapp.net", Role: roster.RoleAdmin},
		}}},
		{"LID-addressed, id as bare digits", "120363024512399999", roster.Group{ID: "120363024512399999", Name: "Hidden", Self: self, Participants: []roster.Participant{
			{Phone: self, RawID: "20036609675500@lid", Role: roster.RoleSuperAdmin},
			{Phone: member, RawID: "205227043110953@lid", Role: roster.RoleMember},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, endpoint := providertest.StartSim(t)
			got, err := providertest.NewClient(t, gowa.New, endpoint, device, credential).ReadGroup(context.Background(), tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("group\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestCheckAccount(t *testing.T) {
	tests := []struct {
		name, device, cred string
		want               error // nil: success
	}{
		{"the device", device, credential, nil},
		{"unknown device", "other-device", credential, provider.ErrNotFound},
		{"wrong password", device, wrongCred, provider.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, endpoint := providertest.StartSim(t)
			c := providertest.NewClient(t, gowa.New, endpoint, tt.device, tt.cred)
			err := c.CheckAccount(context.Background())
			providertest.AssertError(t, err, tt.want, secrets...)
			if own := c.(provider.Identity).OwnNumber(); (tt.want == nil) != (own == self) {
				t.Errorf("OwnNumber() = %q after %v", own, err)
			}
		})
	}
}

// TestOwnNumberIsReadOnce: the first group read learns the own number with one status read;
// later reads, and reads after CheckAccount, cost only the participants call.
func TestOwnNumberIsReadOnce(t *testing.T) {
	tests := []struct {
		name  string
		check bool
	}{{"group reads only", false}, {"CheckAccount first", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			c := providertest.NewClient(t, gowa.New, endpoint, device, credential)
			if tt.check {
				if err := c.CheckAccount(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			for range 3 {
				g, err := c.ReadGroup(context.Background(), group)
				if err != nil {
					t.Fatal(err)
				}
				if g.Self != self {
					t.Fatalf("Self = %q, want %s", g.Self, self)
				}
			}
			n := map[string]int{}
			for _, call := range s.Calls() {
				n[call.Op]++
			}
			if n[sim.OpAccount] != 1 || n[sim.OpRead] != 3 {
				t.Errorf("calls %v, want one status read and three group reads", n)
			}
		})
	}
}

func TestCheckAccountLoggedOut(t *testing.T) {
	srv := providertest.Serve(t, providertest.Always(http.StatusOK, []byte(`{"status":200,"code":"SUCCESS","message":"Device status",
		"results":{"device_id":"my-business-account","is_connected":true,"is_logged_in":false}}`)))
	providertest.AssertFailed(t, providertest.NewClient(t, gowa.New, srv.URL, device, credential).CheckAccount(context.Background()), provider.ErrUnavailable, secrets...)
}

func TestChangeUpdatesSim(t *testing.T) {
	tests := []struct {
		op      roster.Op
		who     roster.Phone
		roleNow roster.Role // "" means not a participant
	}{
		{roster.OpAdd, newbie, roster.RoleMember},
		{roster.OpPromote, member, roster.RoleAdmin},
		{roster.OpDemote, admin, roster.RoleMember},
		{roster.OpRemove, member, ""},
		{roster.OpDemote, creator, roster.RoleSuperAdmin}, // WhatsApp refuses; GOWA still says success
	}
	for _, tt := range tests {
		t.Run(string(tt.op)+" "+tt.who.E164(), func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			got, err := providertest.NewClient(t, gowa.New, endpoint, device, credential).Change(context.Background(), group, tt.op, []roster.Phone{tt.who})
			if err != nil {
				t.Fatal(err)
			}
			if want := []provider.Outcome{{Member: tt.who, Result: provider.ResultUnknown}}; !reflect.DeepEqual(got, want) {
				t.Errorf("outcomes %+v, want %+v: GOWA's success is no proof", got, want)
			}
			if r := providertest.Roles(t, s, group)[tt.who]; r != tt.roleNow {
				t.Errorf("role now %q, want %q", r, tt.roleNow)
			}
		})
	}
}

// TestUnregisteredNumber: GOWA refuses a whole write when one of its numbers is not on
// WhatsApp. The client sends the batch once and does not split it: a batch of several is an
// ErrInvalidRequest (the controller splits it), a single number is its NotOnWhatsApp outcome.
func TestUnregisteredNumber(t *testing.T) {
	tests := []struct {
		name  string
		op    roster.Op
		batch []roster.Phone
		err   error           // nil: outcomes
		want  provider.Result // the outcome of a single member
	}{
		{"add of several", roster.OpAdd, []roster.Phone{newbie, unregistered, private, recentlyLeft, unregistered2}, provider.ErrInvalidRequest, ""},
		{"promote of several", roster.OpPromote, []roster.Phone{member, unregistered}, provider.ErrInvalidRequest, ""},
		{"add of one", roster.OpAdd, []roster.Phone{unregistered}, nil, provider.ResultNotOnWhatsApp},
		{"remove of one", roster.OpRemove, []roster.Phone{unregistered2}, nil, provider.ResultNotOnWhatsApp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			before := providertest.Roles(t, s, group)
			got, err := providertest.NewClient(t, gowa.New, endpoint, device, credential).Change(context.Background(), group, tt.op, tt.batch)
			if tt.err != nil {
				providertest.AssertFailed(t, err, tt.err, secrets...)
			} else if err != nil || len(got) != 1 || got[0].Member != tt.batch[0] || got[0].Result != tt.want {
				t.Errorf("outcomes %+v, err %v; want %s for %s", got, err, tt.want, tt.batch[0].E164())
			}
			if n := len(s.Calls()); n != 1 {
				t.Errorf("%d calls, want the one refused call", n)
			}
			if after := providertest.Roles(t, s, group); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused write changed the group: %v → %v", before, after)
			}
		})
	}
}

// TestAddOutcomes: in a batch GOWA accepts, only a privacy refusal is reported; an add WhatsApp
// refused as recently left is "success" like a real one, so both are Unknown.
func TestAddOutcomes(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	batch := []roster.Phone{newbie, private, recentlyLeft}
	got, err := providertest.NewClient(t, gowa.New, endpoint, device, credential).Change(context.Background(), group, roster.OpAdd, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Result{provider.ResultUnknown, provider.ResultInviteRequired, provider.ResultUnknown}
	if len(got) != len(batch) {
		t.Fatalf("%d outcomes for %d members: %+v", len(got), len(batch), got)
	}
	for i, o := range got {
		if o.Member != batch[i] || o.Result != want[i] {
			t.Errorf("outcome %+v, want %s for %s", o, want[i], batch[i].E164())
		}
	}
	if got[1].Code != 403 || !strings.Contains(got[1].Message, "invite") {
		t.Errorf("privacy outcome %+v", got[1])
	}
	now := providertest.Roles(t, s, group)
	if now[newbie] != roster.RoleMember {
		t.Errorf("%s not added", newbie.E164())
	}
	for _, m := range []roster.Phone{private, recentlyLeft} {
		if _, in := now[m]; in {
			t.Errorf("%s added although WhatsApp refuses it", m.E164())
		}
	}
}

// TestLIDGroupWrites: GOWA names members by phone number only, which a LID-addressed group
// ignores for promote, demote and remove while GOWA still says "success"; the client never
// claims such a write was applied.
func TestLIDGroupWrites(t *testing.T) {
	for _, op := range []roster.Op{roster.OpPromote, roster.OpRemove} {
		t.Run(string(op), func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			got, err := providertest.NewClient(t, gowa.New, endpoint, device, credential).Change(context.Background(), lidGroup, op, []roster.Phone{member})
			if err != nil {
				t.Fatal(err)
			}
			if want := []provider.Outcome{{Member: member, Result: provider.ResultUnknown}}; !reflect.DeepEqual(got, want) {
				t.Errorf("outcomes %+v, want %+v", got, want)
			}
			if r := providertest.Roles(t, s, lidGroup)[member]; r != roster.RoleMember {
				t.Errorf("%s is %q, want unchanged %q", member.E164(), r, roster.RoleMember)
			}
		})
	}
}

func TestWholeCallErrorsFromSim(t *testing.T) {
	tests := []struct {
		name  string
		group string
		op    roster.Op
		want  error
	}{
		{"write as a plain member", memberOnly, roster.OpAdd, provider.ErrNotAdmin},
		{"write to an unknown group", "120363000000000099@g.us", roster.OpRemove, provider.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, endpoint := providertest.StartSim(t)
			_, err := providertest.NewClient(t, gowa.New, endpoint, device, credential).Change(context.Background(), tt.group, tt.op, []roster.Phone{newbie})
			providertest.AssertFailed(t, err, tt.want, secrets...)
		})
	}
	t.Run("read an unknown group", func(t *testing.T) {
		_, endpoint := providertest.StartSim(t)
		_, err := providertest.NewClient(t, gowa.New, endpoint, device, credential).ReadGroup(context.Background(), "120363000000000099@g.us")
		providertest.AssertFailed(t, err, provider.ErrNotFound, secrets...)
	})
	t.Run("rate limited", func(t *testing.T) {
		s, endpoint := providertest.StartSim(t)
		s.InjectFault(sim.Fault{Op: sim.OpAdd, Status: http.StatusTooManyRequests, RetryAfter: "9", Times: 1})
		// The fault comes before GOWA's check of the numbers, so the error is the 429.
		_, err := providertest.NewClient(t, gowa.New, endpoint, device, credential).Change(context.Background(), group, roster.OpAdd, []roster.Phone{newbie, unregistered})
		providertest.AssertFailed(t, err, provider.ErrRateLimited, secrets...)
		if d, _ := provider.RetryAfter(err); d.Seconds() != 9 {
			t.Errorf("retry after %v, want 9s", d)
		}
	})
}
