// The WAHA client's tests: golden requests and engine answers (testdata/README.md says where
// each fixture comes from), then the client against wagov-sim's WAHA dialect (the NOWEB engine)
// for roles, LIDs, per-member outcomes, whole-call errors and rate limits. Every error is
// checked for the API key.

package waha_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/waha"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/waha"
)

const (
	apiKey   = "waha-test-key-5d8e21f0" // the key of testdata/world.yaml
	wrongKey = "waha-wrong-key-77c1e9a3"
	session  = "default"

	group       = "120363042000000001@g.us" // the session is an admin
	lidGroup    = "120363042000000002@g.us" // LID-addressed
	memberGroup = "120363042000000003@g.us" // the session is only a member
	fullGroup   = "120363042000000004@g.us" // one seat left; the session created it
	otherGroup  = "120363042000000005@g.us" // the session is not in it
)

var (
	creator      = roster.MustNormalize("+12125550199")
	self         = roster.MustNormalize("+12123334444")
	member       = roster.MustNormalize("+447700900002")
	admin        = roster.MustNormalize("+447700900004")
	hidden       = roster.MustNormalize("+447700900003")
	newbie       = roster.MustNormalize("+447700176576")
	private      = roster.MustNormalize("+447700900001")
	unregistered = roster.MustNormalize("+15550000000")
	recentlyLeft = roster.MustNormalize("+17137150000")
	another      = roster.MustNormalize("+17137157533")
)

func newClient(t *testing.T, endpoint, account, key string) provider.Client {
	t.Helper()
	c, err := waha.New(provider.Config{Endpoint: endpoint, Account: account, Credential: key})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertFailed checks that err wraps want and names no credential.
func assertFailed(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want one wrapping %q", err, want)
	}
	for _, key := range []string{apiKey, wrongKey} {
		if strings.Contains(err.Error(), key) {
			t.Errorf("error leaks the API key: %v", err)
		}
	}
}

// --- Golden requests and engine answers ---

// request is what the golden server saw.
type request struct {
	method, path, query, key string
	body                     []byte
}

type answer struct {
	status int
	body   []byte
}

// goldenServer answers each "METHOD escaped-path" from answers (404 otherwise) and passes on
// every request it saw.
func goldenServer(t *testing.T, answers map[string]answer) (string, <-chan request) {
	t.Helper()
	seen := make(chan request, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen <- request{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("X-Api-Key"), b}
		a, ok := answers[r.Method+" "+r.URL.EscapedPath()]
		if !ok {
			a = answer{http.StatusNotFound, []byte(`{"statusCode":404,"message":"Cannot GET","error":"Not Found"}`)}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, seen
}

const docGroup = "1234567890@g.us"

func TestDocumentedRequest(t *testing.T) {
	for _, tt := range []struct {
		op   roster.Op
		path string
	}{
		{roster.OpAdd, "participants/add"}, {roster.OpRemove, "participants/remove"},
		{roster.OpPromote, "admin/promote"}, {roster.OpDemote, "admin/demote"},
	} {
		t.Run(string(tt.op), func(t *testing.T) {
			path := "/api/default/groups/1234567890%40g.us/" + tt.path
			endpoint, seen := goldenServer(t, map[string]answer{"POST " + path: {201, fixture(t, "change_webjs.json")}})
			_, err := newClient(t, endpoint, "", apiKey).Change(context.Background(), docGroup, tt.op, []roster.Phone{roster.MustNormalize("+1234567890")})
			if err != nil {
				t.Fatalf("a 201 answer (older WAHA) is a success: %v", err)
			}
			var want bytes.Buffer
			if err := json.Compact(&want, fixture(t, "change_request.json")); err != nil {
				t.Fatal(err)
			}
			got := <-seen
			if got.method != http.MethodPost || got.path != path || got.query != "" || got.key != apiKey || !bytes.Equal(got.body, want.Bytes()) {
				t.Errorf("request %s %s?%s key %q body %s, want POST %s key %q body %s", got.method, got.path, got.query, got.key, got.body, path, apiKey, want.Bytes())
			}
		})
	}
}

// TestEngineAnswers reads one add answer of each engine WAHA passes through, and the bare
// answers of WEBJS's other writes, which name nobody.
func TestEngineAnswers(t *testing.T) {
	batch := []roster.Phone{newbie, member, private, unregistered, recentlyLeft}
	added := []provider.Result{provider.ResultApplied, provider.ResultUnchanged, provider.ResultInviteRequired, provider.ResultNotOnWhatsApp, provider.ResultRecentlyLeft}
	codes := []int{200, 409, 403, 404, 408}
	tests := []struct {
		name, fixture string
		op            roster.Op
		want          []provider.Result
		codes         []int
	}{
		{"NOWEB add", "add_noweb.json", roster.OpAdd, added, codes},
		{"GOWS add", "add_gows.json", roster.OpAdd, added, codes},
		{"WEBJS add", "add_webjs.json", roster.OpAdd, added, codes},
		{"NOWEB promote", "add_noweb.json", roster.OpPromote,
			[]provider.Result{provider.ResultApplied, provider.ResultRejected, provider.ResultRejected, provider.ResultRejected, provider.ResultRejected}, codes},
		{"WEBJS promote", "change_webjs.json", roster.OpPromote,
			[]provider.Result{provider.ResultUnknown, provider.ResultUnknown, provider.ResultUnknown, provider.ResultUnknown, provider.ResultUnknown}, make([]int, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/api/default/groups/" + waha.Escape(group) + map[roster.Op]string{roster.OpAdd: "/participants/add", roster.OpPromote: "/admin/promote"}[tt.op]
			endpoint, _ := goldenServer(t, map[string]answer{"POST " + path: {200, fixture(t, tt.fixture)}})
			got, err := newClient(t, endpoint, session, apiKey).Change(context.Background(), group, tt.op, batch)
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range got {
				if o.Member != batch[i] || o.Result != tt.want[i] || o.Code != tt.codes[i] {
					t.Errorf("outcome %d %+v, want %s code %d", i, o, tt.want[i], tt.codes[i])
				}
			}
			if tt.op == roster.OpAdd && !strings.Contains(got[2].Message, "invite") {
				t.Errorf("privacy outcome message %q does not mention the invite", got[2].Message)
			}
		})
	}
}

// TestReadShapes reads a v2 roster with a creator, a LID with its number, a LID the session's
// store resolves, a LID nobody resolves, and someone who left.
func TestReadShapes(t *testing.T) {
	endpoint, seen := goldenServer(t, map[string]answer{
		"GET /api/default/groups/" + waha.Escape(group) + "/participants/v2": {200, fixture(t, "participants_v2.json")},
		"GET /api/default/lids/118230041276651%40lid":                        {200, []byte(`{"lid":"118230041276651@lid","pn":"447700900004@c.us"}`)},
		"GET /api/default/lids/999999999999%40lid":                           {200, []byte(`{"lid":"999999999999@lid","pn":null}`)},
		"GET /api/sessions/default":                                          {200, fixture(t, "session_info.json")},
	})
	got, err := newClient(t, endpoint, session, apiKey).ReadGroup(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	want := roster.Group{ID: group, Self: roster.MustNormalize("+201012345678"), Participants: []roster.Participant{
		{Phone: creator, RawID: "12125550199@c.us", Role: roster.RoleSuperAdmin},
		{Phone: self, RawID: "12123334444@c.us", Role: roster.RoleAdmin},
		{Phone: member, RawID: "205227043110953@lid", Role: roster.RoleMember},
		{Phone: admin, RawID: "118230041276651@lid", Role: roster.RoleAdmin},
		{RawID: "999999999999@lid", Role: roster.RoleMember},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("group\n%+v\nwant\n%+v", got, want)
	}
	var paths []string
	for range 4 {
		paths = append(paths, (<-seen).path)
	}
	if len(seen) != 0 {
		t.Errorf("more than 4 calls: %v and more", paths)
	}
}

// TestProviderEchoesKey covers a provider that repeats the key in its error text: the client
// passes the provider's words on, but never the key.
func TestProviderEchoesKey(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"401", 401, `{"statusCode":401,"message":"key %s is not valid","error":"Unauthorized"}`, provider.ErrUnauthorized},
		{"400 list", 400, `{"statusCode":400,"message":["key %s may not do this"],"error":"Bad Request"}`, provider.ErrInvalidRequest},
		{"500 exception", 500, `{"statusCode":500,"exception":{"message":"key %s may not do this"},"request":{"headers":{"x-api-key":"%[1]s"}}}`, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, tt.body, r.Header.Get("X-Api-Key"))
			}))
			t.Cleanup(srv.Close)
			_, err := newClient(t, srv.URL, session, apiKey).Change(context.Background(), group, roster.OpAdd, []roster.Phone{newbie})
			assertFailed(t, err, tt.want)
			if !strings.Contains(err.Error(), "may not do this") && !strings.Contains(err.Error(), "is not valid") {
				t.Errorf("error %v lost the provider's message", err)
			}
		})
	}
}

// --- Against wagov-sim ---

func startSim(t *testing.T) (*sim.Sim, string) {
	t.Helper()
	seed, err := sim.ParseSeed(fixture(t, "world.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(seed)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func roles(t *testing.T, s *sim.Sim, groupID string) map[roster.Phone]roster.Role {
	t.Helper()
	g, ok := s.Group(groupID)
	if !ok {
		t.Fatalf("group %s missing", groupID)
	}
	out := map[roster.Phone]roster.Role{}
	for _, m := range g.Participants {
		out[roster.MustNormalize(m.Phone)] = roster.Role(m.Role)
	}
	return out
}

func TestReadGroup(t *testing.T) {
	tests := []struct {
		name, group string
		want        []roster.Participant
	}{
		{"phone-addressed", group, []roster.Participant{
			{Phone: creator, RawID: "12125550199@c.us", Role: roster.RoleSuperAdmin},
			{Phone: self, RawID: "12123334444@c.us", Role: roster.RoleAdmin},
			{Phone: member, RawID: "447700900002@c.us", Role: roster.RoleMember},
			{Phone: admin, RawID: "447700900004@c.us", Role: roster.RoleAdmin},
		}},
		{"LID-addressed", lidGroup, []roster.Participant{
			{Phone: creator, RawID: "118230041276650@lid", Role: roster.RoleSuperAdmin},
			{Phone: self, RawID: "90871234567@lid", Role: roster.RoleAdmin},
			{Phone: member, RawID: "205227043110953@lid", Role: roster.RoleMember},
			{Phone: hidden, RawID: "447700900003@c.us", Role: roster.RoleMember},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			got, err := newClient(t, endpoint, session, apiKey).ReadGroup(context.Background(), tt.group)
			if err != nil {
				t.Fatal(err)
			}
			want := roster.Group{ID: tt.group, Self: self, Participants: tt.want}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("group\n%+v\nwant\n%+v", got, want)
			}
			if n := len(s.Calls()); n != 2 {
				t.Errorf("%d calls, want the participants and the session read: %+v", n, s.Calls())
			}
		})
	}
}

// TestReadFallsBackToTheLIDStore serves a v2 list whose LID lacks its pn, as some engines give
// it: the client asks the session's LID store.
func TestReadFallsBackToTheLIDStore(t *testing.T) {
	s, endpoint := startSim(t)
	s.InjectFault(sim.Fault{Op: sim.OpRead, Status: 200, Times: 1,
		Body: `[{"id":"90871234567@lid","role":"superadmin"},{"id":"205227043110953@lid","role":"participant"},{"id":"1@lid","role":"participant"}]`})
	got, err := newClient(t, endpoint, session, apiKey).ReadGroup(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	want := []roster.Participant{
		{Phone: self, RawID: "90871234567@lid", Role: roster.RoleSuperAdmin},
		{Phone: member, RawID: "205227043110953@lid", Role: roster.RoleMember},
		{RawID: "1@lid", Role: roster.RoleMember},
	}
	if !reflect.DeepEqual(got.Participants, want) {
		t.Errorf("participants\n%+v\nwant\n%+v", got.Participants, want)
	}
	var lookups []string
	for _, c := range s.Calls() {
		if strings.Contains(c.Path, "/lids/") {
			lookups = append(lookups, c.Path)
		}
	}
	if want := []string{"/api/default/lids/90871234567@lid", "/api/default/lids/205227043110953@lid", "/api/default/lids/1@lid"}; !reflect.DeepEqual(lookups, want) {
		t.Errorf("lookups %v, want %v", lookups, want)
	}
}

// TestEmptyRosterIsNoError: GOWS answers [] for some groups (devlikeapro/waha#1471); the client
// returns it as it is, and the controller treats it as unknown.
func TestEmptyRosterIsNoError(t *testing.T) {
	s, endpoint := startSim(t)
	s.InjectFault(sim.Fault{Op: sim.OpRead, Status: 200, Body: "[]", Times: 1})
	got, err := newClient(t, endpoint, session, apiKey).ReadGroup(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Participants) != 0 || got.Self != self {
		t.Errorf("group %+v, want no participants and Self %s", got, self.E164())
	}
}

func TestCheckAccount(t *testing.T) {
	notWorking := string(fixture(t, "session_not_working.json"))
	tests := []struct {
		name, account, key string
		fault              *sim.Fault
		want               error // nil: success
	}{
		{"the session", session, apiKey, nil, nil},
		{"empty account means default", "", apiKey, nil, nil},
		{"another session", "support", apiKey, nil, provider.ErrNotFound},
		{"wrong key", session, wrongKey, nil, provider.ErrUnauthorized},
		{"session not WORKING (422)", session, apiKey, &sim.Fault{Op: sim.OpAccount, Status: 422, Body: notWorking}, provider.ErrUnavailable},
		{"session waiting for a QR scan", session, apiKey, &sim.Fault{Op: sim.OpAccount, Status: 200,
			Body: `{"name":"default","status":"SCAN_QR_CODE","config":{},"me":null}`}, provider.ErrUnavailable},
		{"answered malformed", session, apiKey, &sim.Fault{Op: sim.OpAccount, Malformed: true}, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			err := newClient(t, endpoint, tt.account, tt.key).CheckAccount(context.Background())
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertFailed(t, err, tt.want)
		})
	}
}

func TestChangeUpdatesSim(t *testing.T) {
	tests := []struct {
		name    string
		op      roster.Op
		members []roster.Phone
		want    []provider.Result
		roleNow roster.Role // of members[0]; "" means not a participant
	}{
		{"add", roster.OpAdd, []roster.Phone{newbie}, []provider.Result{provider.ResultApplied}, roster.RoleMember},
		{"remove", roster.OpRemove, []roster.Phone{member}, []provider.Result{provider.ResultApplied}, ""},
		{"promote", roster.OpPromote, []roster.Phone{member}, []provider.Result{provider.ResultApplied}, roster.RoleAdmin},
		{"demote", roster.OpDemote, []roster.Phone{admin}, []provider.Result{provider.ResultApplied}, roster.RoleMember},
		{"demote the creator", roster.OpDemote, []roster.Phone{creator}, []provider.Result{provider.ResultRejected}, roster.RoleSuperAdmin},
		{"remove a non-member", roster.OpRemove, []roster.Phone{newbie}, []provider.Result{provider.ResultRejected}, ""},
		{"promote two", roster.OpPromote, []roster.Phone{member, newbie}, []provider.Result{provider.ResultApplied, provider.ResultRejected}, roster.RoleAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			got, err := newClient(t, endpoint, session, apiKey).Change(context.Background(), group, tt.op, tt.members)
			if err != nil {
				t.Fatal(err)
			}
			results := make([]provider.Result, len(got))
			for i, o := range got {
				results[i] = o.Result
			}
			if !reflect.DeepEqual(results, tt.want) {
				t.Errorf("results %v, want %v", results, tt.want)
			}
			if r := roles(t, s, group)[tt.members[0]]; r != tt.roleNow {
				t.Errorf("role of %s now %q, want %q", tt.members[0].E164(), r, tt.roleNow)
			}
		})
	}
}

// TestAddOutcomes adds one number of each kind to the group with one seat left, in one call.
func TestAddOutcomes(t *testing.T) {
	tests := []struct {
		member roster.Phone
		code   int
		want   provider.Result
	}{
		{newbie, 200, provider.ResultApplied}, // takes the last seat
		{member, 409, provider.ResultUnchanged},
		{private, 403, provider.ResultInviteRequired},
		{unregistered, 404, provider.ResultNotOnWhatsApp},
		{another, 419, provider.ResultGroupFull},
	}
	s, endpoint := startSim(t)
	members := make([]roster.Phone, len(tests))
	for i, tt := range tests {
		members[i] = tt.member
	}
	got, err := newClient(t, endpoint, session, apiKey).Change(context.Background(), fullGroup, roster.OpAdd, members)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		if o := got[i]; o.Member != tt.member || o.Code != tt.code || o.Result != tt.want {
			t.Errorf("outcome %+v, want %s code %d → %s", o, tt.member.E164(), tt.code, tt.want)
		}
	}
	if !strings.Contains(got[2].Message, "invite") {
		t.Errorf("privacy outcome message %q does not mention the invite", got[2].Message)
	}
	got, err = newClient(t, endpoint, session, apiKey).Change(context.Background(), group, roster.OpAdd, []roster.Phone{recentlyLeft})
	if err != nil || got[0].Result != provider.ResultApplied {
		// recentlyLeft only left the nearly full group.
		t.Errorf("add to another group: %+v, %v", got, err)
	}
	if _, in := roles(t, s, fullGroup)[newbie]; !in {
		t.Error("the addable number was not added")
	}
}

func TestBatchSizeRefusedBeforeCalling(t *testing.T) {
	six := make([]roster.Phone, waha.MaxBatch+1)
	for i := range six {
		six[i] = roster.MustNormalize(fmt.Sprintf("+4477009100%02d", i))
	}
	for _, members := range [][]roster.Phone{six, nil} {
		for _, op := range []roster.Op{roster.OpAdd, roster.OpRemove, roster.OpPromote, roster.OpDemote} {
			t.Run(fmt.Sprintf("%s %d", op, len(members)), func(t *testing.T) {
				s, endpoint := startSim(t)
				_, err := newClient(t, endpoint, session, apiKey).Change(context.Background(), group, op, members)
				assertFailed(t, err, provider.ErrInvalidRequest)
				if calls := s.Calls(); len(calls) != 0 {
					t.Errorf("the client called the provider: %+v", calls)
				}
			})
		}
	}
}

type call func(context.Context, provider.Client) error

func read(group string) call {
	return func(ctx context.Context, c provider.Client) error {
		_, err := c.ReadGroup(ctx, group)
		return err
	}
}

func change(op roster.Op, group string, members ...roster.Phone) call {
	return func(ctx context.Context, c provider.Client) error {
		_, err := c.Change(ctx, group, op, members)
		return err
	}
}

func TestWholeCallErrors(t *testing.T) {
	notWorking := string(fixture(t, "session_not_working.json"))
	tests := []struct {
		name, account, key string
		fault              *sim.Fault
		call               call
		want               error
	}{
		{"add as a non-admin", session, apiKey, nil, change(roster.OpAdd, memberGroup, newbie), provider.ErrNotAdmin},
		{"promote as a non-admin", session, apiKey, nil, change(roster.OpPromote, memberGroup, creator), provider.ErrNotAdmin},
		{"remove in a group the session is not in", session, apiKey, nil, change(roster.OpRemove, otherGroup, creator), provider.ErrNotAdmin},
		{"read a group the session is not in", session, apiKey, nil, read(otherGroup), provider.ErrNotFound},
		{"read an unknown group", session, apiKey, nil, read("120363042999999999@g.us"), provider.ErrNotFound},
		{"add to an unknown group", session, apiKey, nil, change(roster.OpAdd, "120363042999999999@g.us", newbie), provider.ErrNotFound},
		{"read by a 2Chat id", session, apiKey, nil, read("WAG45b0f301-9203-4660-8b57-b51a6c2742a5"), provider.ErrInvalidRequest},
		{"read in another session", "support", apiKey, nil, read(group), provider.ErrNotFound},
		{"read with a wrong key", session, wrongKey, nil, read(group), provider.ErrUnauthorized},
		{"add with a wrong key", session, wrongKey, nil, change(roster.OpAdd, group, newbie), provider.ErrUnauthorized},
		{"read while the session is not WORKING", session, apiKey, &sim.Fault{Op: sim.OpRead, Status: 422, Body: notWorking}, read(group), provider.ErrUnavailable},
		{"add while the session is not WORKING", session, apiKey, &sim.Fault{Op: sim.OpAdd, Status: 422, Body: notWorking}, change(roster.OpAdd, group, newbie), provider.ErrUnavailable},
		{"an engine without the method (422)", session, apiKey, &sim.Fault{Op: sim.OpAdd, Status: 422,
			Body: `{"statusCode":422,"message":"The method is not implemented for the engine","error":"Unprocessable Entity"}`}, change(roster.OpAdd, group, newbie), provider.ErrInvalidRequest},
		{"WhatsApp's rate-overlimit", session, apiKey, &sim.Fault{Op: sim.OpAdd, Status: 500,
			Body: `{"statusCode":500,"exception":{"message":"rate-overlimit","name":"Error"},"request":{},"version":"x"}`}, change(roster.OpAdd, group, newbie), provider.ErrRateLimited},
		{"read answered 500", session, apiKey, &sim.Fault{Status: 500}, read(group), provider.ErrUnavailable},
		{"remove answered 503", session, apiKey, &sim.Fault{Status: 503}, change(roster.OpRemove, group, member), provider.ErrUnavailable},
		{"read answered malformed", session, apiKey, &sim.Fault{Op: sim.OpRead, Malformed: true}, read(group), provider.ErrUnavailable},
		{"the session read answered malformed", session, apiKey, &sim.Fault{Op: sim.OpAccount, Malformed: true}, read(group), provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			assertFailed(t, tt.call(context.Background(), newClient(t, endpoint, tt.account, tt.key)), tt.want)
		})
	}
}

func TestRateLimited(t *testing.T) {
	inNinety := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name, retryAfter string
		min, max         time.Duration
	}{
		{"seconds", "7", 7 * time.Second, 7 * time.Second},
		{"HTTP-date", inNinety, 85 * time.Second, 90 * time.Second},
		{"absent", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			before := roles(t, s, group)
			s.InjectFault(sim.Fault{Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter})
			_, err := newClient(t, endpoint, session, apiKey).Change(context.Background(), group, roster.OpAdd, []roster.Phone{newbie})
			assertFailed(t, err, provider.ErrRateLimited)
			if d, _ := provider.RetryAfter(err); d < tt.min || d > tt.max {
				t.Errorf("retry after %s, want %s to %s", d, tt.min, tt.max)
			}
			if after := roles(t, s, group); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused add changed the group: %v, was %v", after, before)
			}
		})
	}
}
