// The Wasend client's tests: golden requests and responses from Wasend's documented example
// and shapes (testdata/README.md says where each fixture comes from), then the client against
// wagov-sim's Wasend dialect, under both of its path sets, for detection, the own number, the
// calls of a steady sync, LID-addressed writes, roles, per-member outcomes, whole-call errors
// and rate limits. Every error is checked for the API key.

package wasend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/providertest"
	"github.com/wagov/wagov/internal/provider/wasend"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	wasendsim "github.com/wagov/wagov/internal/sim/wasend"
)

// The accounts and groups of testdata/world.yaml.
const (
	apiKey    = "ws-client-key-5c2e91"
	wrongKey  = "ws-client-key-wrong-0b3a"
	session   = "ses_01J0ACME"
	lonelyKey = "ws-client-key-lonely-7d10" // session ses_01J0LONELY is in no group

	nyc         = "120363042000000001@g.us" // the session's number is an admin; maxSize 7
	membersOnly = "120363042000000002@g.us" // the session's number is a plain member
	lidGroup    = "120363042000000003@g.us" // LID-addressed; the session's number created it
)

var (
	creator      = roster.MustNormalize("+12125550199")
	self         = roster.MustNormalize("+12123334444")
	member       = roster.MustNormalize("+447700900002")
	member3      = roster.MustNormalize("+447700900003")
	admin        = roster.MustNormalize("+447700900004")
	lidPerson    = roster.MustNormalize("+447700900005")
	private      = roster.MustNormalize("+447700900001")
	unregistered = roster.MustNormalize("+15550000000")
	recentlyLeft = roster.MustNormalize("+17137150000")
	stranger     = roster.MustNormalize("+447700176576")
	stranger2    = roster.MustNormalize("+17137157533")

	// The promote page's example participants; the second is no valid number, so it is used as is.
	docA = roster.Phone("1234567890")
	docB = roster.Phone("0987654321")
)

func describe(c provider.Client) string { return c.(provider.Describer).Describe() }

// --- Golden requests and responses from Wasend's documentation ---

// The docs' placeholders, as their cURL examples write them.
const docSession, docGroup = "YOUR_SESSION_ID", "YOUR_GROUP_ID"

// goldenServer answers the session read with session_response.json, other GETs with reads and
// everything else with writes, and records what it saw.
func goldenServer(t *testing.T, reads, writes []byte) *providertest.Server {
	ok := func(body []byte) providertest.Reply { return providertest.Reply{Status: http.StatusOK, Body: body} }
	session := ok(providertest.Fixture(t, "session_response.json"))
	return providertest.Serve(t, func(r providertest.Request) providertest.Reply {
		switch {
		case r.Method == http.MethodGet && r.EscapedPath == "/sessions/"+docSession:
			return session
		case r.Method == http.MethodGet:
			return ok(reads)
		}
		return ok(writes)
	})
}

// TestDocumentedSession: the account check reads the session as the get-info page shows, and
// its phoneNumber is the session's own number.
func TestDocumentedSession(t *testing.T) {
	srv := goldenServer(t, []byte(`{"groups":[],"pagination":{"total":0,"limit":1,"offset":0,"hasMore":false}}`), nil)
	c := providertest.NewClient(t, wasend.New, srv.URL, docSession, apiKey)
	if err := c.CheckAccount(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := c.(provider.Identity).OwnNumber(); got != docA {
		t.Errorf("OwnNumber() = %q, want %s", got, docA)
	}
	r := srv.Requests()[0]
	if r.Method != http.MethodGet || r.EscapedPath != "/sessions/"+docSession || r.Query != "" || len(r.Body) != 0 {
		t.Errorf("request %s %s?%s %q, want the get-info page's GET /sessions/%s", r.Method, r.EscapedPath, r.Query, r.Body, docSession)
	}
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+apiKey {
		t.Errorf("Authorization %q", auth)
	}
}

// TestSessionWithoutNumber: a session read that gives no usable phoneNumber fails the check,
// so that no sync runs on a session whose own number is unknown.
func TestSessionWithoutNumber(t *testing.T) {
	for name, body := range map[string]string{
		"empty":    `{"uniqueSessionId":"YOUR_SESSION_ID","phoneNumber":"","status":"SCAN_QR_CODE"}`,
		"absent":   `{"uniqueSessionId":"YOUR_SESSION_ID","status":"WORKING"}`,
		"no phone": `{"uniqueSessionId":"YOUR_SESSION_ID","phoneNumber":"my phone","status":"WORKING"}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := providertest.Serve(t, providertest.Always(http.StatusOK, []byte(body)))
			c := providertest.NewClient(t, wasend.New, srv.URL, docSession, apiKey)
			providertest.AssertFailed(t, c.CheckAccount(context.Background()), provider.ErrUnavailable, apiKey)
			if got := c.(provider.Identity).OwnNumber(); got != "" {
				t.Errorf("OwnNumber() = %q after a failed check", got)
			}
		})
	}
}

func TestDocumentedWrites(t *testing.T) {
	base := "/" + docSession + "/groups/" + docGroup
	tests := []struct {
		op           roster.Op
		response     string
		method, path string
		want         []provider.Outcome
	}{
		{roster.OpPromote, "promote_response.json", http.MethodPost, base + "/participants/promote", []provider.Outcome{
			{Member: docA, Result: provider.ResultApplied}, {Member: docB, Result: provider.ResultApplied},
		}},
		{roster.OpAdd, "add_response.json", http.MethodPost, base + "/participants/add", []provider.Outcome{
			{Member: docA, Result: provider.ResultApplied, Message: "SUCCESS"},
			{Member: docB, Result: provider.ResultNotOnWhatsApp, Message: "NOT_FOUND"},
		}},
		{roster.OpRemove, "remove_response.json", http.MethodDelete, base + "/participants", []provider.Outcome{
			{Member: docA, Result: provider.ResultApplied},
			{Member: docB, Result: provider.ResultUnknown, Message: "Removed 1 of 2 participants."},
		}},
		{roster.OpDemote, "demote_response.json", http.MethodPost, base + "/participants/demote", []provider.Outcome{
			{Member: docA, Result: provider.ResultApplied, Message: "SUCCESS"},
			{Member: docB, Result: provider.ResultUnchanged, Message: "NOT_ADMIN"},
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.op), func(t *testing.T) {
			srv := goldenServer(t, []byte(`{"success":true}`), providertest.Fixture(t, tt.response))
			c := providertest.NewClient(t, wasend.New, srv.URL, docSession, apiKey)

			got, err := c.Change(context.Background(), docGroup, tt.op, []roster.Phone{docA, docB})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("outcomes %+v, want %+v", got, tt.want)
			}
			calls := srv.Requests()
			if tt.op != roster.OpAdd {
				// The first remove, promote or demote learns the server's paths with a read.
				if len(calls) != 2 || calls[0].Method != http.MethodGet || calls[0].EscapedPath != base+"/info" {
					t.Fatalf("calls %+v, want the website's group info read, then the write", calls)
				}
				calls = calls[1:]
			}
			w := calls[0]
			if w.Method != tt.method || w.EscapedPath != tt.path || w.Query != "" {
				t.Errorf("request %s %s?%s, want %s %s", w.Method, w.EscapedPath, w.Query, tt.method, tt.path)
			}
			if auth, ct := w.Header.Get("Authorization"), w.Header.Get("Content-Type"); auth != "Bearer "+apiKey || ct != "application/json" {
				t.Errorf("Authorization %q, Content-Type %q", auth, ct)
			}
			if want := providertest.Compact(t, providertest.Fixture(t, "promote_request.json")); !bytes.Equal(w.Body, want) {
				t.Errorf("body\n%s\nwant\n%s", w.Body, want)
			}
		})
	}
}

func TestDocumentedParticipants(t *testing.T) {
	envelope := providertest.Fixture(t, "participants_response.json")
	var shape struct {
		Participants json.RawMessage `json:"participants"`
	}
	if err := json.Unmarshal(envelope, &shape); err != nil {
		t.Fatal(err)
	}
	want := roster.Group{ID: docGroup, Self: docA, Participants: []roster.Participant{
		{Phone: docA, RawID: "1234567890@c.us", Role: roster.RoleSuperAdmin},
		{Phone: "12125550100", RawID: "12125550100@c.us", Role: roster.RoleAdmin},
		{Phone: lidPerson, RawID: "99887766554433@lid", Role: roster.RoleMember},
		{RawID: "11223344556677@lid", Role: roster.RoleMember},
	}}
	for name, body := range map[string][]byte{"website envelope": envelope, "SDK array": shape.Participants} {
		t.Run(name, func(t *testing.T) {
			srv := goldenServer(t, body, nil)
			got, err := providertest.NewClient(t, wasend.New, srv.URL, docSession, apiKey).ReadGroup(context.Background(), docGroup)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("group\n%+v\nwant\n%+v", got, want)
			}
			// The first read of a client that has not checked its account reads the session.
			reqs := srv.Requests()
			if len(reqs) != 2 || reqs[0].EscapedPath != "/sessions/"+docSession {
				t.Fatalf("requests %+v, want the session read, then the participants", reqs)
			}
			if r := reqs[1]; r.Method != http.MethodGet || r.EscapedPath != "/"+docSession+"/groups/"+docGroup+"/participants" || len(r.Body) != 0 {
				t.Errorf("request %+v", r)
			}
		})
	}
}

// TestProviderEchoesKey covers a provider that repeats the key in its error text: the client
// passes the provider's words on, but never the key.
func TestProviderEchoesKey(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   error
	}{
		{"401", http.StatusUnauthorized, provider.ErrUnauthorized},
		{"403", http.StatusForbidden, provider.ErrNotAdmin},
		{"422", http.StatusUnprocessableEntity, provider.ErrUnavailable},
		{"200 with success false", http.StatusOK, provider.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.Serve(t, func(r providertest.Request) providertest.Reply {
				return providertest.Reply{Status: tt.status,
					Body: fmt.Appendf(nil, `{"success":false,"error":"key %s may not do this"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))}
			})

			_, err := providertest.NewClient(t, wasend.New, srv.URL, session, apiKey).Change(context.Background(), nyc, roster.OpAdd, []roster.Phone{stranger})
			providertest.AssertFailed(t, err, tt.want, apiKey, wrongKey)
			if !strings.Contains(err.Error(), "may not do this") {
				t.Errorf("error %v lost the provider's message", err)
			}
		})
	}
}

// --- Against wagov-sim ---

// mounts are the simulator's two Wasend servers: one answering the website docs' paths, one
// the SDK's.
var mounts = []string{wasendsim.WebsiteMount, wasendsim.SDKMount}

// trail lists the calls the simulator saw as "OP METHOD path", the path after the mount and,
// for a group call, after the session.
func trail(s *sim.Sim, mount string) []string {
	var out []string
	for _, c := range s.Calls() {
		out = append(out, c.Op+" "+c.Method+" "+strings.TrimPrefix(strings.TrimPrefix(c.Path, mount), "/"+session))
	}
	return out
}

func TestReadGroup(t *testing.T) {
	for _, mount := range mounts {
		t.Run(mount, func(t *testing.T) {
			_, endpoint := providertest.StartSim(t)
			c := providertest.NewClient(t, wasend.New, endpoint+mount, session, apiKey)

			got, err := c.ReadGroup(context.Background(), nyc)
			if err != nil {
				t.Fatal(err)
			}
			want := roster.Group{ID: nyc, Self: self, Participants: []roster.Participant{
				{Phone: creator, RawID: "12125550199@c.us", Role: roster.RoleSuperAdmin},
				{Phone: self, RawID: "12123334444@c.us", Role: roster.RoleAdmin},
				{Phone: member, RawID: "447700900002@c.us", Role: roster.RoleMember},
				{Phone: admin, RawID: "447700900004@c.us", Role: roster.RoleAdmin},
				{Phone: member3, RawID: "447700900003@c.us", Role: roster.RoleMember},
			}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("group\n%+v\nwant\n%+v", got, want)
			}

			got, err = c.ReadGroup(context.Background(), lidGroup)
			if err != nil {
				t.Fatal(err)
			}
			if p := got.Participants[1]; p.Phone != lidPerson || p.RawID != "99887766554433@lid" || p.Role != roster.RoleAdmin {
				t.Errorf("LID participant %+v, want %s known by its phone attribute", p, lidPerson.E164())
			}
		})
	}
}

// TestCheckAccountLearnsThePaths: the first check reads the session and learns the paths from
// the session's first group; a later check is the session read alone, until there was no group
// to learn from.
func TestCheckAccountLearnsThePaths(t *testing.T) {
	const readSession = "account GET /sessions/" + session
	tests := []struct {
		name, mount, key, session string
		own                       roster.Phone
		describes                 string
		first, again              []string
	}{
		{"website docs' server", wasendsim.WebsiteMount, apiKey, session, self, "website docs", []string{
			readSession, "list GET /groups", "read GET /groups/" + nyc + "/info",
		}, []string{readSession}},
		{"SDK's server", wasendsim.SDKMount, apiKey, session, self, "SDK", []string{
			readSession, "list GET /groups", "unknown GET /groups/" + nyc + "/info", "read GET /groups/" + nyc,
		}, []string{readSession}},
		{"session in no group", wasendsim.WebsiteMount, lonelyKey, "ses_01J0LONELY", roster.MustNormalize("+12125550123"), "not known yet", []string{
			"account GET /sessions/ses_01J0LONELY", "list GET /ses_01J0LONELY/groups",
		}, []string{"account GET /sessions/ses_01J0LONELY", "list GET /ses_01J0LONELY/groups"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			c := providertest.NewClient(t, wasend.New, endpoint+tt.mount, tt.session, tt.key)
			for _, want := range [][]string{tt.first, tt.again} {
				s.ResetCalls()
				if err := c.CheckAccount(context.Background()); err != nil {
					t.Fatal(err)
				}
				if got := trail(s, tt.mount); !reflect.DeepEqual(got, want) {
					t.Errorf("calls %q, want %q", got, want)
				}
			}
			if d := describe(c); !strings.Contains(d, tt.describes) {
				t.Errorf("Describe() = %q, want it to mention %q", d, tt.describes)
			}
			if got := c.(provider.Identity).OwnNumber(); got != tt.own {
				t.Errorf("OwnNumber() = %q, want %s", got, tt.own)
			}
		})
	}
}

// TestSteadySync: once a client has checked its account, each sync's read is the participants
// read alone and each write one call: the session is not read again and the paths are not
// probed again.
func TestSteadySync(t *testing.T) {
	for _, mount := range mounts {
		t.Run(mount, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			c := providertest.NewClient(t, wasend.New, endpoint+mount, session, apiKey)
			ctx := context.Background()
			if err := c.CheckAccount(ctx); err != nil {
				t.Fatal(err)
			}
			s.ResetCalls()
			var want []string
			for range 3 {
				g, err := c.ReadGroup(ctx, nyc)
				if err != nil {
					t.Fatal(err)
				}
				if g.Self != self {
					t.Errorf("Self = %q, want %s", g.Self, self)
				}
				for _, op := range []roster.Op{roster.OpPromote, roster.OpDemote} {
					if _, err := c.Change(ctx, nyc, op, []roster.Phone{member}); err != nil {
						t.Fatal(err)
					}
				}
				want = append(want, "read GET /groups/"+nyc+"/participants", "promote POST /groups/"+nyc+sdkOr(mount, "/participants/promote", "/admin/promote"),
					"demote POST /groups/"+nyc+sdkOr(mount, "/participants/demote", "/admin/demote"))
			}
			if got := trail(s, mount); !reflect.DeepEqual(got, want) {
				t.Errorf("calls\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// sdkOr returns website on the website docs' mount and sdk on the SDK's.
func sdkOr(mount, website, sdk string) string {
	if mount == wasendsim.SDKMount {
		return sdk
	}
	return website
}

// TestReadGroupLearnsTheNumberOnce: a client whose group sync runs before any account check
// reads the session with its first read only.
func TestReadGroupLearnsTheNumberOnce(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	c := providertest.NewClient(t, wasend.New, endpoint+wasendsim.WebsiteMount, session, apiKey)
	for range 2 {
		g, err := c.ReadGroup(context.Background(), nyc)
		if err != nil {
			t.Fatal(err)
		}
		if g.Self != self {
			t.Errorf("Self = %q, want %s", g.Self, self)
		}
	}
	want := []string{"account GET /sessions/" + session, "read GET /groups/" + nyc + "/participants", "read GET /groups/" + nyc + "/participants"}
	if got := trail(s, wasendsim.WebsiteMount); !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}

// TestLIDAddressedWrites: in a LID-addressed group the engine drops a demote, promote or
// remove that names a member by phone, as the simulator does after providers.md §12; once a
// read has listed the member by LID, the client names them by it and the writes take effect.
func TestLIDAddressedWrites(t *testing.T) {
	for _, mount := range mounts {
		t.Run(mount, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			c := providertest.NewClient(t, wasend.New, endpoint+mount, session, apiKey)
			ctx := context.Background()
			if _, err := c.Change(ctx, lidGroup, roster.OpDemote, []roster.Phone{lidPerson}); err != nil {
				t.Fatal(err)
			}
			if r := providertest.Roles(t, s, lidGroup)[lidPerson]; r != roster.RoleAdmin {
				t.Fatalf("a demote by phone before any read: %s is %q, want the engine to have dropped it", lidPerson.E164(), r)
			}
			if _, err := c.ReadGroup(ctx, lidGroup); err != nil {
				t.Fatal(err)
			}
			for _, step := range []struct {
				op   roster.Op
				role roster.Role // "" means not a participant
			}{{roster.OpDemote, roster.RoleMember}, {roster.OpPromote, roster.RoleAdmin}, {roster.OpRemove, ""}} {
				if _, err := c.Change(ctx, lidGroup, step.op, []roster.Phone{lidPerson}); err != nil {
					t.Fatal(err)
				}
				if r := providertest.Roles(t, s, lidGroup)[lidPerson]; r != step.role {
					t.Fatalf("after %s by LID: %s is %q, want %q", step.op, lidPerson.E164(), r, step.role)
				}
			}
		})
	}
}

// TestWritesLearnThePaths: a client that never ran CheckAccount (its account check failed, or
// found the session in no group) learns the paths with its first remove, promote or demote, once.
func TestWritesLearnThePaths(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	c := providertest.NewClient(t, wasend.New, endpoint+wasendsim.SDKMount, session, apiKey)
	ctx := context.Background()
	if _, err := c.Change(ctx, nyc, roster.OpAdd, []roster.Phone{stranger}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Change(ctx, nyc, roster.OpPromote, []roster.Phone{member}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Change(ctx, nyc, roster.OpDemote, []roster.Phone{admin}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"add POST /groups/" + nyc + "/participants/add",
		"unknown GET /groups/" + nyc + "/info",
		"read GET /groups/" + nyc,
		"promote POST /groups/" + nyc + "/admin/promote",
		"demote POST /groups/" + nyc + "/admin/demote",
	}
	if got := trail(s, wasendsim.SDKMount); !reflect.DeepEqual(got, want) {
		t.Errorf("calls\n%q\nwant\n%q", got, want)
	}
	if d := describe(c); !strings.Contains(d, "SDK") {
		t.Errorf("Describe() = %q", d)
	}
	if r := providertest.Roles(t, s, nyc); r[member] != roster.RoleAdmin || r[admin] != roster.RoleMember || r[stranger] != roster.RoleMember {
		t.Errorf("group now %v", r)
	}
}

func TestChangeUpdatesSim(t *testing.T) {
	tests := []struct {
		name    string
		op      roster.Op
		member  roster.Phone
		website provider.Result // the answer of the website docs' server
		roleNow roster.Role     // "" means not a participant
	}{
		{"add", roster.OpAdd, stranger, provider.ResultApplied, roster.RoleMember},
		{"remove", roster.OpRemove, member, provider.ResultApplied, ""},
		{"promote", roster.OpPromote, member, provider.ResultApplied, roster.RoleAdmin},
		{"demote", roster.OpDemote, admin, provider.ResultApplied, roster.RoleMember},
		{"demote a member", roster.OpDemote, member, provider.ResultUnchanged, roster.RoleMember},
		{"demote the creator", roster.OpDemote, creator, provider.ResultRejected, roster.RoleSuperAdmin},
		{"remove a non-member", roster.OpRemove, stranger, provider.ResultUnknown, ""},
	}
	for _, mount := range mounts {
		for _, tt := range tests {
			t.Run(mount+"/"+tt.name, func(t *testing.T) {
				s, endpoint := providertest.StartSim(t)
				before := providertest.Roles(t, s, nyc)

				got, err := providertest.NewClient(t, wasend.New, endpoint+mount, session, apiKey).Change(context.Background(), nyc, tt.op, []roster.Phone{tt.member})
				if err != nil {
					t.Fatal(err)
				}
				want := tt.website
				if mount == wasendsim.SDKMount && tt.op != roster.OpAdd {
					want = provider.ResultUnknown // the SDK's remove, promote and demote answer no member
				}
				if len(got) != 1 || got[0].Member != tt.member || got[0].Result != want {
					t.Errorf("outcomes %+v, want %s", got, want)
				}
				after := providertest.Roles(t, s, nyc)
				if r := after[tt.member]; r != tt.roleNow {
					t.Errorf("role of %s now %q, want %q", tt.member.E164(), r, tt.roleNow)
				}
				delete(before, tt.member)
				delete(after, tt.member)
				if !reflect.DeepEqual(before, after) {
					t.Errorf("others changed: before %v, after %v", before, after)
				}
			})
		}
	}
}

// TestAddOutcomes adds one number of each kind in one call, then fills the group.
func TestAddOutcomes(t *testing.T) {
	tests := []struct {
		member roster.Phone
		want   provider.Result
	}{
		{stranger, provider.ResultApplied},
		{member, provider.ResultUnchanged},
		{private, provider.ResultInviteRequired},
		{unregistered, provider.ResultNotOnWhatsApp},
		{recentlyLeft, provider.ResultRecentlyLeft},
	}
	s, endpoint := providertest.StartSim(t)
	c := providertest.NewClient(t, wasend.New, endpoint+wasendsim.WebsiteMount, session, apiKey)
	members := make([]roster.Phone, len(tests))
	for i, tt := range tests {
		members[i] = tt.member
	}
	got, err := c.Change(context.Background(), nyc, roster.OpAdd, members)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tests) {
		t.Fatalf("%d outcomes for %d members", len(got), len(tests))
	}
	for i, tt := range tests {
		if o := got[i]; o.Member != tt.member || o.Result != tt.want {
			t.Errorf("outcome %+v, want %s → %s", o, tt.member.E164(), tt.want)
		}
	}

	// Six of seven seats are taken now.
	got, err = c.Change(context.Background(), nyc, roster.OpAdd, []roster.Phone{stranger2, roster.MustNormalize("+33612340009")})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Result != provider.ResultApplied || got[1].Result != provider.ResultGroupFull {
		t.Errorf("outcomes %+v, want Applied then GroupFull", got)
	}
	if n := len(providertest.Roles(t, s, nyc)); n != 7 {
		t.Errorf("group has %d participants, want 7", n)
	}
}

// TestPromoteOfAnAdmin: Wasend answers 422 when nobody in a promote can be promoted; that is
// an answer about the members, not a failed call.
func TestPromoteOfAnAdmin(t *testing.T) {
	for _, mount := range mounts {
		t.Run(mount, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			before := providertest.Roles(t, s, nyc)
			got, err := providertest.NewClient(t, wasend.New, endpoint+mount, session, apiKey).Change(context.Background(), nyc, roster.OpPromote, []roster.Phone{admin})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Result != provider.ResultUnknown || !strings.Contains(got[0].Message, "already admins") {
				t.Errorf("outcomes %+v, want Unknown with Wasend's reason", got)
			}
			if after := providertest.Roles(t, s, nyc); !reflect.DeepEqual(after, before) {
				t.Errorf("group changed: %v → %v", before, after)
			}
		})
	}
}

func TestBatchSizeRefusedBeforeCalling(t *testing.T) {
	providertest.AssertRefusedBeforeCalling(t, simClient, nyc, providertest.Numbers("+4477009100%02d", wasend.MaxBatch+1), apiKey, wrongKey)
}

func TestWholeCallErrors(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		session string
		fault   *sim.Fault
		call    providertest.Call
		want    error
	}{
		{"add as a non-admin", apiKey, session, nil, providertest.Change(roster.OpAdd, membersOnly, stranger), provider.ErrNotAdmin},
		{"promote as a non-admin", apiKey, session, nil, providertest.Change(roster.OpPromote, membersOnly, creator), provider.ErrNotAdmin},
		{"read an unknown group", apiKey, session, nil, providertest.Read("120363042000000099@g.us"), provider.ErrNotFound},
		{"add to an unknown group", apiKey, session, nil, providertest.Change(roster.OpAdd, "120363042000000099@g.us", stranger), provider.ErrNotFound},
		{"demote in an unknown group", apiKey, session, nil, providertest.Change(roster.OpDemote, "120363042000000099@g.us", admin), provider.ErrNotFound},
		{"read a group id that is no JID", apiKey, session, nil, providertest.Read("WAG45b0f301-9203-4660-8b57-b51a6c2742a5"), provider.ErrInvalidRequest},
		{"read with a wrong key", wrongKey, session, nil, providertest.Read(nyc), provider.ErrUnauthorized},
		{"check with a wrong key", wrongKey, session, nil, providertest.CheckAccount, provider.ErrUnauthorized},
		{"add with a wrong key", wrongKey, session, nil, providertest.Change(roster.OpAdd, nyc, stranger), provider.ErrUnauthorized},
		{"check another session", apiKey, "ses_01J0OTHER", nil, providertest.CheckAccount, provider.ErrNotFound},
		{"read answered 500", apiKey, session, &sim.Fault{Status: 500}, providertest.Read(nyc), provider.ErrUnavailable},
		{"read answered 422", apiKey, session, &sim.Fault{Status: 422}, providertest.Read(nyc), provider.ErrUnavailable},
		{"remove answered 503", apiKey, session, &sim.Fault{Op: sim.OpRemove, Status: 503}, providertest.Change(roster.OpRemove, nyc, member), provider.ErrUnavailable},
		{"read answered malformed", apiKey, session, &sim.Fault{Malformed: true}, providertest.Read(nyc), provider.ErrUnavailable},
		{"add answered malformed", apiKey, session, &sim.Fault{Malformed: true}, providertest.Change(roster.OpAdd, nyc, stranger), provider.ErrUnavailable},
		{"check answered malformed", apiKey, session, &sim.Fault{Malformed: true}, providertest.CheckAccount, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			c := providertest.NewClient(t, wasend.New, endpoint+wasendsim.WebsiteMount, tt.session, tt.key)
			providertest.AssertFailed(t, tt.call(context.Background(), c), tt.want, apiKey, wrongKey)
		})
	}
}

func TestRateLimited(t *testing.T) {
	providertest.AssertRateLimited(t, simClient, nyc, stranger, apiKey, wrongKey)
}

// simClient is the client under test for the simulator at endpoint, on the website docs' paths, acting as the session with apiKey.
func simClient(t *testing.T, endpoint string) provider.Client {
	return providertest.NewClient(t, wasend.New, endpoint+wasendsim.WebsiteMount, session, apiKey)
}

func TestNewRefusesAnEmptySessionOrKey(t *testing.T) {
	if _, err := wasend.New(provider.Config{Endpoint: "https://api.wasend.dev", Credential: apiKey}); !errors.Is(err, provider.ErrInvalidRequest) {
		t.Errorf("no session: err %v", err)
	}
	if _, err := wasend.New(provider.Config{Endpoint: "https://api.wasend.dev", Account: session}); !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("no key: err %v", err)
	}
}
