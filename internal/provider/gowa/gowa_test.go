// The GOWA client's tests: golden requests and responses from GOWA's OpenAPI document
// (testdata/README.md says where each fixture comes from), error mapping on GOWA's error
// shapes, then the client against wagov-sim's GOWA dialect for roles, LIDs, the isolation of
// unregistered numbers, per-member outcomes and whole-call errors. Every error is checked for
// the credential.

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

func TestDocumentedParticipants(t *testing.T) {
	srv := providertest.Serve(t, providertest.Always(http.StatusOK, providertest.Fixture(t, "participants_response.json")))
	got, err := providertest.NewClient(t, gowa.New, srv.URL, device, credential).ReadGroup(context.Background(), "120363347168689807@g.us")
	if err != nil {
		t.Fatal(err)
	}
	req := srv.Requests()[0]
	if req.Method != http.MethodGet || req.Path != "/group/participants" || req.Query != "group_id=120363347168689807%40g.us" {
		t.Errorf("request %s %s?%s", req.Method, req.Path, req.Query)
	}
	assertAuth(t, req)
	want := roster.Group{ID: "120363347168689807@g.us", Name: "Example Group", Participants: []roster.Participant{
		{Phone: "6288228744537", RawID: "6288228744537@s.whatsapp.net", Role: roster.RoleSuperAdmin},
		{Phone: "6289685028129", RawID: "205227043110953@lid", Role: roster.RoleAdmin},
		{RawID: "205227043110954@lid", Role: roster.RoleMember},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("group\n%+v\nwant\n%+v", got, want)
	}
}

func TestDocumentedStatus(t *testing.T) {
	srv := providertest.Serve(t, providertest.Always(http.StatusOK, providertest.Fixture(t, "status_response.json")))
	if err := providertest.NewClient(t, gowa.New, srv.URL, device, credential).CheckAccount(context.Background()); err != nil {
		t.Fatal(err)
	}
	req := srv.Requests()[0]
	if req.Method != http.MethodGet || req.Path != "/devices/my-business-account/status" {
		t.Errorf("request %s %s", req.Method, req.Path)
	}
	assertAuth(t, req)
}

// TestErrors maps GOWA's error answers, the documented ones and whatsmeow's texts, onto the
// sentinels; each body repeats the credential, which must not come through.
func TestErrors(t *testing.T) {
	echo := func(status int, code, msg string) []byte {
		b, _ := json.Marshal(map[string]any{"status": status, "code": code, "message": msg + " (auth " + credential + ", " + password + ")", "results": nil})
		return b
	}
	tests := []struct {
		name   string
		status int
		body   []byte
		read   bool // ReadGroup instead of an add
		want   error
	}{
		{"documented 500", 500, providertest.Fixture(t, "error_internal_server.json"), true, provider.ErrUnavailable},
		{"documented 400 with a numeric code", 400, providertest.Fixture(t, "error_bad_request.json"), false, provider.ErrInvalidRequest},
		{"Basic auth refused, plain text", 401, []byte("Unauthorized"), true, provider.ErrUnauthorized},
		{"device not logged in", 401, echo(401, "AUTHENTICATION_ERROR", "you are not logged in"), true, provider.ErrUnavailable},
		{"device not connected, newer GOWA", 503, echo(503, "SERVICE_UNAVAILABLE", "you are not connect to services server, please reconnect"), true, provider.ErrUnavailable},
		{"unknown device", 404, echo(404, "DEVICE_NOT_FOUND", "device not found"), true, provider.ErrNotFound},
		{"group not found", 500, echo(500, "INTERNAL_SERVER_ERROR", "group not found"), true, provider.ErrNotFound},
		{"not in the group", 500, echo(500, "INTERNAL_SERVER_ERROR", "you're not participating in that group"), true, provider.ErrNotFound},
		{"write as a non-admin", 500, echo(500, "INTERNAL_SERVER_ERROR", "info query returned status 403: forbidden"), false, provider.ErrNotAdmin},
		{"write as a non-admin, IQ 401", 500, echo(500, "INTERNAL_SERVER_ERROR", "info query returned status 401: not-authorized"), false, provider.ErrNotAdmin},
		{"write to an unknown group", 500, echo(500, "INTERNAL_SERVER_ERROR", "info query returned status 404: item-not-found"), false, provider.ErrNotFound},
		{"WhatsApp rate limit", 500, echo(500, "INTERNAL_SERVER_ERROR", "info query returned status 429: rate-overlimit"), false, provider.ErrRateLimited},
		{"other whatsmeow error", 500, echo(500, "INTERNAL_SERVER_ERROR", "websocket not connected"), false, provider.ErrUnavailable},
		{"timeout", 504, echo(504, "GATEWAY_TIMEOUT", "Request timed out waiting for WhatsApp server response"), true, provider.ErrUnavailable},
		{"malformed 200", 200, []byte(`{"status":200,"code":"SUCC`), true, provider.ErrUnavailable},
		{"200 without results", 200, []byte(`{"status":200,"code":"SUCCESS","message":"ok","results":null}`), true, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.Serve(t, providertest.Always(tt.status, tt.body))
			c := providertest.NewClient(t, gowa.New, srv.URL, device, credential)
			var err error
			if tt.read {
				_, err = c.ReadGroup(context.Background(), group)
			} else {
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
		{"phone-addressed", group, roster.Group{ID: group, Name: "Field agents", Participants: []roster.Participant{
			{Phone: creator, RawID: "12125550199@s.whatsapp.net", Role: roster.RoleSuperAdmin},
			{Phone: self, RawID: "6281234567890@s.whatsapp.net", Role: roster.RoleAdmin},
			{Phone: member, RawID: "447700900002@s.whatsapp.net", Role: roster.RoleMember},
			{Phone: admin, RawID: "447700900004@s.whatsapp.net", Role: roster.RoleAdmin},
		}}},
		{"LID-addressed, id as bare digits", "120363024512399999", roster.Group{ID: "120363024512399999", Name: "Hidden", Participants: []roster.Participant{
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
			err := providertest.NewClient(t, gowa.New, endpoint, tt.device, tt.cred).CheckAccount(context.Background())
			providertest.AssertError(t, err, tt.want, secrets...)
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

// TestIsolatesUnregistered sends one batch holding two numbers GOWA refuses outright: the
// client splits it until they stand alone, reports them, and adds the rest, sending each
// registered member in exactly one accepted call.
func TestIsolatesUnregistered(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	batch := []roster.Phone{newbie, unregistered, private, recentlyLeft, unregistered2}
	got, err := providertest.NewClient(t, gowa.New, endpoint, device, credential).Change(context.Background(), group, roster.OpAdd, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := map[roster.Phone]provider.Result{
		newbie: provider.ResultUnknown, unregistered: provider.ResultNotOnWhatsApp, private: provider.ResultInviteRequired,
		recentlyLeft: provider.ResultUnknown, unregistered2: provider.ResultNotOnWhatsApp,
	}
	if len(got) != len(batch) {
		t.Fatalf("%d outcomes for %d members: %+v", len(got), len(batch), got)
	}
	for i, o := range got {
		if o.Member != batch[i] || o.Result != want[o.Member] {
			t.Errorf("outcome %+v, want %s for %s", o, want[batch[i]], batch[i].E164())
		}
	}
	if got[2].Code != 403 || !strings.Contains(got[2].Message, "invite") {
		t.Errorf("privacy outcome %+v", got[2])
	}
	now := providertest.Roles(t, s, group)
	if now[newbie] != roster.RoleMember {
		t.Errorf("%s not added", newbie.E164())
	}
	for _, m := range []roster.Phone{unregistered, unregistered2, private, recentlyLeft} {
		if _, in := now[m]; in {
			t.Errorf("%s added although WhatsApp refuses it", m.E164())
		}
	}
	accepted, total := 0, 0
	for _, c := range s.Calls() {
		total++
		if c.Status == http.StatusOK {
			accepted += c.Members
		}
	}
	if accepted != 3 || total > 2*gowa.MaxBatch-1 {
		t.Errorf("%d calls carried %d members in accepted calls; want at most %d calls and the 3 registered members once each", total, accepted, 2*gowa.MaxBatch-1)
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
		// The first call is refused outright, so the error is the 429.
		_, err := providertest.NewClient(t, gowa.New, endpoint, device, credential).Change(context.Background(), group, roster.OpAdd, []roster.Phone{newbie, unregistered})
		providertest.AssertFailed(t, err, provider.ErrRateLimited, secrets...)
		if d, _ := provider.RetryAfter(err); d.Seconds() != 9 {
			t.Errorf("retry after %v, want 9s", d)
		}
	})
}
