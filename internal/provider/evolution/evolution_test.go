// The Evolution client's tests: golden requests and responses (testdata/README.md says where
// each fixture comes from), then the client against wagov-sim's Evolution dialect for roles,
// LIDs, the country rewrites, per-member outcomes, whole-call errors and rate limits. Every
// error is checked for the API key.

package evolution_test

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
	"github.com/wagov/wagov/internal/provider/evolution"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/evolution"
)

const (
	apiKey   = "evo-test-key-5c1a93e2" // the key of testdata/world.yaml
	wrongKey = "evo-wrong-key-0d77b1f4"
	instance = "my-instance" // the documentation's instance name

	mainGroup = "120363042000000001@g.us" // the instance's number is an admin
	notOurs   = "120363042000000002@g.us" // the instance's number is a plain member
	lidRoom   = "120363042000000003@g.us" // addressed by LID
)

// The documented participants, and the seed's people (testdata/world.yaml).
var (
	docA         = roster.MustNormalize("+5511999999999")
	docB         = roster.MustNormalize("+5511888888888")
	self         = roster.MustNormalize("+5511912340000")
	creator      = roster.MustNormalize("+5511912340099")
	member       = roster.MustNormalize("+5511912340001")
	private      = roster.MustNormalize("+5511912340005")
	unregistered = roster.MustNormalize("+5511912340006")
	recentlyLeft = roster.MustNormalize("+5511912340008")
	newcomer     = roster.MustNormalize("+5511912340007")
	// Stored as +553187650001 and +525512340001; declared in the full mobile form.
	brMember = roster.MustNormalize("+5531987650001")
	mxAdmin  = roster.MustNormalize("+5215512340001")
)

func newClient(t *testing.T, endpoint, account, key string) provider.Client {
	t.Helper()
	c, err := evolution.New(provider.Config{Endpoint: endpoint, Account: account, Credential: key})
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

// --- Golden requests and responses ---

type request struct {
	method, path, query, key, contentType string
	body                                  []byte
}

// reply is a golden server's answer to one path.
type reply struct {
	status int
	body   []byte
}

// goldenServer answers each path with its reply (404 for others) and passes on what it saw.
func goldenServer(t *testing.T, replies map[string]reply) (string, <-chan request) {
	t.Helper()
	seen := make(chan request, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen <- request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("apikey"), r.Header.Get("Content-Type"), b}
		rep, ok := replies[r.URL.Path]
		if !ok {
			rep = reply{http.StatusNotFound, []byte(`{"status": 404, "error": "Not Found", "response": {"message": ["Cannot GET"]}}`)}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, seen
}

// The paths the client calls on the documentation's instance.
const (
	instancesPath    = "/instance/fetchInstances"
	participantsPath = "/group/participants/my-instance"
	updatePath       = "/group/updateParticipant/my-instance"
)

// unpaired is a fetchInstances answer for an instance with no owner number yet.
var unpaired = reply{http.StatusOK, []byte(`[{"name": "my-instance", "connectionStatus": "connecting", "ownerJid": null}]`)}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDocumentedUpdate(t *testing.T) {
	endpoint, seen := goldenServer(t, map[string]reply{updatePath: {http.StatusCreated, fixture(t, "update_response.json")}})
	c := newClient(t, endpoint, instance, apiKey)

	got, err := c.Change(context.Background(), mainGroup, roster.OpAdd, []roster.Phone{docA, docB})
	if err != nil {
		t.Fatal(err)
	}
	req := <-seen
	if req.method != http.MethodPost || req.path != updatePath || req.query != "groupJid=120363042000000001%40g.us" {
		t.Errorf("request %s %s?%s", req.method, req.path, req.query)
	}
	if req.key != apiKey || req.contentType != "application/json" {
		t.Errorf("apikey %q, Content-Type %q", req.key, req.contentType)
	}
	if want := compact(t, fixture(t, "update_request.json")); !bytes.Equal(req.body, want) {
		t.Errorf("body\n%s\nwant\n%s", req.body, want)
	}
	want := []provider.Outcome{
		{Member: docA, Result: provider.ResultApplied, Code: 200},
		{Member: docB, Result: provider.ResultInviteRequired, Code: 403, Message: "the member's privacy settings allow only an invite"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outcomes %+v, want %+v", got, want)
	}
}

// TestMintlifyResponse: the mintlify page shows a response the code never sends; read as it is, it
// says nothing about any member.
func TestMintlifyResponse(t *testing.T) {
	endpoint, _ := goldenServer(t, map[string]reply{updatePath: {http.StatusCreated, fixture(t, "update_response_mintlify.json")}})
	got, err := newClient(t, endpoint, instance, apiKey).Change(context.Background(), mainGroup, roster.OpAdd, []roster.Phone{docA, docB})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range got {
		if o.Result != provider.ResultUnknown {
			t.Errorf("%s: %s, want Unknown", o.Member.E164(), o.Result)
		}
	}
}

func TestDocumentedParticipants(t *testing.T) {
	endpoint, seen := goldenServer(t, map[string]reply{
		instancesPath: unpaired, participantsPath: {http.StatusOK, fixture(t, "participants_response.json")},
	})
	c := newClient(t, endpoint, instance, apiKey)

	// An instance without an owner number: Self stays unknown, and the group id lacks "@g.us".
	got, err := c.ReadGroup(context.Background(), "120363042000000001")
	if err != nil {
		t.Fatal(err)
	}
	if req := <-seen; req.path != instancesPath || req.query != "instanceName=my-instance" {
		t.Errorf("first request %s?%s, want the instance lookup", req.path, req.query)
	}
	if req := <-seen; req.method != http.MethodGet || req.path != participantsPath || req.query != "groupJid=120363042000000001%40g.us" || len(req.body) != 0 {
		t.Errorf("request %s %s?%s %q", req.method, req.path, req.query, req.body)
	}
	want := roster.Group{ID: "120363042000000001", Participants: []roster.Participant{
		{Phone: docA, RawID: "5511999999999@s.whatsapp.net", Role: roster.RoleSuperAdmin},
		{Phone: docB, RawID: "205227043110953@lid", Role: roster.RoleAdmin},
		{Phone: "5531987654321", RawID: "553187654321@s.whatsapp.net", Role: roster.RoleMember},
		{Phone: "5215512345678", RawID: "525512345678@s.whatsapp.net", Role: roster.RoleMember},
		{RawID: "205227043110999@lid", Role: roster.RoleMember},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("group\n%+v\nwant\n%+v", got, want)
	}
}

func TestDocumentedError(t *testing.T) {
	endpoint, _ := goldenServer(t, map[string]reply{instancesPath: {http.StatusNotFound, fixture(t, "error_instance_not_found.json")}})
	err := newClient(t, endpoint, "invalid-instance", apiKey).CheckAccount(context.Background())
	assertFailed(t, err, provider.ErrNotFound)
	if !strings.Contains(err.Error(), `The "invalid-instance" instance does not exist`) {
		t.Errorf("error %v lost the provider's message", err)
	}
}

// TestProviderEchoesKey covers error text that repeats the key: the words pass, the key does not.
func TestProviderEchoesKey(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		message string
		want    error
	}{
		{"401 string", http.StatusUnauthorized, `"apikey %s is unknown"`, provider.ErrUnauthorized},
		{"400 list", http.StatusBadRequest, `["Error updating participants", "Error: forbidden for %s"]`, provider.ErrNotAdmin},
		{"400 validation", http.StatusBadRequest, `[{"property": "participants[0]", "message": "bad %s"}]`, provider.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"status": %d, "error": "x", "response": {"message": `+tt.message+`}}`, tt.status, r.Header.Get("apikey"))
			}))
			t.Cleanup(srv.Close)
			_, err := newClient(t, srv.URL, instance, apiKey).Change(context.Background(), mainGroup, roster.OpAdd, []roster.Phone{docA})
			assertFailed(t, err, tt.want)
			if !strings.Contains(err.Error(), "[redacted]") {
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

// roles returns the group's participants in the simulator by the number WhatsApp holds.
func roles(t *testing.T, s *sim.Sim, group string) map[roster.Phone]roster.Role {
	t.Helper()
	g, ok := s.Group(group)
	if !ok {
		t.Fatalf("group %s missing", group)
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
		{"rewritten numbers read back in full", mainGroup, []roster.Participant{
			{Phone: creator, RawID: "5511912340099@s.whatsapp.net", Role: roster.RoleSuperAdmin},
			{Phone: self, RawID: "5511912340000@s.whatsapp.net", Role: roster.RoleAdmin},
			{Phone: member, RawID: "5511912340001@s.whatsapp.net", Role: roster.RoleMember},
			{Phone: brMember, RawID: "553187650001@s.whatsapp.net", Role: roster.RoleMember},
			{Phone: mxAdmin, RawID: "525512340001@s.whatsapp.net", Role: roster.RoleAdmin},
		}},
		{"LIDs resolved by their phone attribute", lidRoom, []roster.Participant{
			{Phone: self, RawID: "5511912340000@s.whatsapp.net", Role: roster.RoleSuperAdmin},
			{Phone: member, RawID: "205227043110953@lid", Role: roster.RoleAdmin},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, endpoint := startSim(t)
			got, err := newClient(t, endpoint, instance, apiKey).ReadGroup(context.Background(), tt.group)
			if err != nil {
				t.Fatal(err)
			}
			want := roster.Group{ID: tt.group, Self: self, Participants: tt.want}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("group\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

// TestOwnNumberReadOnce: the instance's number costs one call per instance, not one per read.
func TestOwnNumberReadOnce(t *testing.T) {
	s, endpoint := startSim(t)
	for range 3 {
		g, err := newClient(t, endpoint, instance, apiKey).ReadGroup(context.Background(), mainGroup)
		if err != nil || g.Self != self {
			t.Fatalf("Self %s, err %v", g.Self, err)
		}
	}
	ops := map[string]int{}
	for _, c := range s.Calls() {
		ops[c.Op]++
	}
	if want := map[string]int{sim.OpAccount: 1, sim.OpRead: 3}; !reflect.DeepEqual(ops, want) {
		t.Errorf("calls %v, want %v", ops, want)
	}
}

func TestCheckAccount(t *testing.T) {
	tests := []struct {
		name, account, key string
		want               error // nil: success
	}{
		{"connected instance", instance, apiKey, nil},
		{"unknown instance", "other-instance", apiKey, provider.ErrNotFound},
		{"wrong key", instance, wrongKey, provider.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, endpoint := startSim(t)
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

func TestCheckAccountStates(t *testing.T) {
	tests := []struct {
		name, body string
		want       error
	}{
		{"disconnected", `[{"name": "my-instance", "connectionStatus": "close", "ownerJid": null}]`, provider.ErrUnavailable},
		{"another instance's token", `[{"name": "theirs", "connectionStatus": "open"}]`, provider.ErrUnauthorized},
		{"nothing", `[]`, provider.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint, _ := goldenServer(t, map[string]reply{instancesPath: {http.StatusOK, []byte(tt.body)}})
			assertFailed(t, newClient(t, endpoint, instance, apiKey).CheckAccount(context.Background()), tt.want)
		})
	}
}

// TestRewrittenMembersConverge adds a Brazilian and a Mexican mobile in their full form: Evolution
// stores the short form, the outcomes still name the members, and the next read reports them as
// declared, so nothing is added twice.
func TestRewrittenMembersConverge(t *testing.T) {
	s, endpoint := startSim(t)
	c := newClient(t, endpoint, instance, apiKey)
	ctx := context.Background()
	br, mx := roster.MustNormalize("+5531987654321"), roster.MustNormalize("+5215512345678")

	got, err := c.Change(ctx, mainGroup, roster.OpAdd, []roster.Phone{br, mx})
	if err != nil {
		t.Fatal(err)
	}
	if want := []provider.Outcome{{Member: br, Result: provider.ResultApplied, Code: 200}, {Member: mx, Result: provider.ResultApplied, Code: 200}}; !reflect.DeepEqual(got, want) {
		t.Errorf("outcomes %+v, want %+v", got, want)
	}
	truth := roles(t, s, mainGroup)
	if truth["553187654321"] != roster.RoleMember || truth["525512345678"] != roster.RoleMember {
		t.Errorf("WhatsApp holds %v, want the short forms", truth)
	}
	if out, err := c.Change(ctx, mainGroup, roster.OpPromote, []roster.Phone{mx}); err != nil || out[0].Result != provider.ResultApplied {
		t.Fatalf("promote %s: %+v, %v", mx.E164(), out, err)
	}
	g, err := c.ReadGroup(ctx, mainGroup)
	if err != nil {
		t.Fatal(err)
	}
	idx := g.Index()
	if idx[br].Role != roster.RoleMember || idx[mx].Role != roster.RoleAdmin {
		t.Errorf("read back %v, want %s member and %s admin", idx, br.E164(), mx.E164())
	}
	if out, err := c.Change(ctx, mainGroup, roster.OpAdd, []roster.Phone{br}); err != nil || out[0].Result != provider.ResultUnchanged {
		t.Errorf("re-adding %s: %+v, %v, want Unchanged", br.E164(), out, err)
	}
}

// TestAddOutcomes adds one number of each kind in one call.
func TestAddOutcomes(t *testing.T) {
	tests := []struct {
		member roster.Phone
		code   int
		want   provider.Result
	}{
		{newcomer, 200, provider.ResultApplied},
		{member, 409, provider.ResultUnchanged},
		{private, 403, provider.ResultInviteRequired},
		{unregistered, 404, provider.ResultNotOnWhatsApp},
		{recentlyLeft, 408, provider.ResultRecentlyLeft},
	}
	s, endpoint := startSim(t)
	members := make([]roster.Phone, len(tests))
	for i, tt := range tests {
		members[i] = tt.member
	}
	got, err := newClient(t, endpoint, instance, apiKey).Change(context.Background(), mainGroup, roster.OpAdd, members)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		if o := got[i]; o.Member != tt.member || o.Code != tt.code || o.Result != tt.want {
			t.Errorf("outcome %+v, want %s code %d → %s", o, tt.member.E164(), tt.code, tt.want)
		}
	}
	truth := roles(t, s, mainGroup)
	for _, m := range []roster.Phone{private, unregistered, recentlyLeft} {
		if _, in := truth[m]; in {
			t.Errorf("%s added although WhatsApp refuses it", m.E164())
		}
	}
}

func TestChangeOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		op      roster.Op
		member  roster.Phone
		want    provider.Result
		code    int
		roleNow roster.Role // "" for not a participant; stored under the short form for brMember
		stored  roster.Phone
	}{
		{"promote", roster.OpPromote, member, provider.ResultApplied, 200, roster.RoleAdmin, member},
		{"demote a rewritten number", roster.OpDemote, mxAdmin, provider.ResultApplied, 200, roster.RoleMember, "525512340001"},
		{"remove a rewritten number", roster.OpRemove, brMember, provider.ResultApplied, 200, "", "553187650001"},
		{"demote the creator", roster.OpDemote, creator, provider.ResultRejected, 403, roster.RoleSuperAdmin, creator},
		{"remove a non-member", roster.OpRemove, newcomer, provider.ResultRejected, 404, "", newcomer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := startSim(t)
			got, err := newClient(t, endpoint, instance, apiKey).Change(context.Background(), mainGroup, tt.op, []roster.Phone{tt.member})
			if err != nil {
				t.Fatal(err)
			}
			if o := got[0]; o.Member != tt.member || o.Result != tt.want || o.Code != tt.code {
				t.Errorf("outcome %+v, want %s code %d", o, tt.want, tt.code)
			}
			if r := roles(t, s, mainGroup)[tt.stored]; r != tt.roleNow {
				t.Errorf("%s now %q, want %q", tt.stored.E164(), r, tt.roleNow)
			}
		})
	}
}

func TestBatchRefusedBeforeCalling(t *testing.T) {
	six := make([]roster.Phone, evolution.MaxBatch+1)
	for i := range six {
		six[i] = roster.MustNormalize(fmt.Sprintf("+55119123401%02d", i))
	}
	for _, members := range [][]roster.Phone{six, nil} {
		for _, op := range []roster.Op{roster.OpAdd, roster.OpRemove, roster.OpPromote, roster.OpDemote} {
			t.Run(fmt.Sprintf("%s %d", op, len(members)), func(t *testing.T) {
				s, endpoint := startSim(t)
				_, err := newClient(t, endpoint, instance, apiKey).Change(context.Background(), mainGroup, op, members)
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
	tests := []struct {
		name, account, key string
		fault              *sim.Fault
		call               call
		want               error
	}{
		{"add as a non-admin", instance, apiKey, nil, change(roster.OpAdd, notOurs, newcomer), provider.ErrNotAdmin},
		{"promote as a non-admin", instance, apiKey, nil, change(roster.OpPromote, notOurs, creator), provider.ErrNotAdmin},
		{"read an unknown group", instance, apiKey, nil, read("120363049999999999@g.us"), provider.ErrNotFound},
		{"add to an unknown group", instance, apiKey, nil, change(roster.OpAdd, "120363049999999999@g.us", newcomer), provider.ErrNotFound},
		{"read a 2Chat uuid", instance, apiKey, nil, read("WAG45b0f301-9203-4660-8b57-b51a6c2742a5"), provider.ErrNotFound},
		{"read through an unknown instance", "other-instance", apiKey, nil, read(mainGroup), provider.ErrNotFound},
		{"read with a wrong key", instance, wrongKey, nil, read(mainGroup), provider.ErrUnauthorized},
		{"add with a wrong key", instance, wrongKey, nil, change(roster.OpAdd, mainGroup, newcomer), provider.ErrUnauthorized},
		{"read answered 500", instance, apiKey, &sim.Fault{Status: 500}, read(mainGroup), provider.ErrUnavailable},
		{"remove answered 503", instance, apiKey, &sim.Fault{Status: 503}, change(roster.OpRemove, mainGroup, member), provider.ErrUnavailable},
		{"read answered malformed", instance, apiKey, &sim.Fault{Op: sim.OpRead, Malformed: true}, read(mainGroup), provider.ErrUnavailable},
		{"add answered malformed", instance, apiKey, &sim.Fault{Malformed: true}, change(roster.OpAdd, mainGroup, newcomer), provider.ErrUnavailable},
		{"account check answered malformed", instance, apiKey, &sim.Fault{Malformed: true},
			func(ctx context.Context, c provider.Client) error { return c.CheckAccount(ctx) }, provider.ErrUnavailable},
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
			before := roles(t, s, mainGroup)
			s.InjectFault(sim.Fault{Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter})
			_, err := newClient(t, endpoint, instance, apiKey).Change(context.Background(), mainGroup, roster.OpAdd, []roster.Phone{newcomer})
			assertFailed(t, err, provider.ErrRateLimited)
			if d, _ := provider.RetryAfter(err); d < tt.min || d > tt.max {
				t.Errorf("retry after %s, want %s to %s", d, tt.min, tt.max)
			}
			if after := roles(t, s, mainGroup); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused add changed the group: %v, was %v", after, before)
			}
		})
	}
}
