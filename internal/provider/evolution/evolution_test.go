// The Evolution client's tests: golden requests and responses (testdata/README.md says where
// each fixture comes from), then the client against wagov-sim's Evolution dialect for roles,
// LIDs, the country rewrites, per-member outcomes, whole-call errors and rate limits. Every
// error is checked for the API key.

package evolution_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/evolution"
	"github.com/wagov/wagov/internal/provider/providertest"
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

// --- Golden requests and responses ---

// The paths the client calls on the documentation's instance.
const (
	instancesPath    = "/instance/fetchInstances"
	participantsPath = "/group/participants/my-instance"
	updatePath       = "/group/updateParticipant/my-instance"
)

// unpaired is a fetchInstances answer for an instance with no owner number yet.
var unpaired = providertest.Reply{Status: http.StatusOK, Body: []byte(`[{"name": "my-instance", "connectionStatus": "connecting", "ownerJid": null}]`)}

// notFound is Evolution's answer to a path it does not serve.
var notFound = providertest.Reply{Status: http.StatusNotFound, Body: []byte(`{"status": 404, "error": "Not Found", "response": {"message": ["Cannot GET"]}}`)}

func TestDocumentedUpdate(t *testing.T) {
	srv := providertest.Serve(t, providertest.Routes(map[string]providertest.Reply{
		"POST " + updatePath: {Status: http.StatusCreated, Body: providertest.Fixture(t, "update_response.json")},
	}, notFound))
	c := providertest.NewClient(t, evolution.New, srv.URL, instance, apiKey)

	got, err := c.Change(context.Background(), mainGroup, roster.OpAdd, []roster.Phone{docA, docB})
	if err != nil {
		t.Fatal(err)
	}
	req := srv.Requests()[0]
	if req.Method != http.MethodPost || req.Path != updatePath || req.Query != "groupJid=120363042000000001%40g.us" {
		t.Errorf("request %s %s?%s", req.Method, req.Path, req.Query)
	}
	if key, ct := req.Header.Get("apikey"), req.Header.Get("Content-Type"); key != apiKey || ct != "application/json" {
		t.Errorf("apikey %q, Content-Type %q", key, ct)
	}
	if want := providertest.Compact(t, providertest.Fixture(t, "update_request.json")); !bytes.Equal(req.Body, want) {
		t.Errorf("body\n%s\nwant\n%s", req.Body, want)
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
	srv := providertest.Serve(t, providertest.Routes(map[string]providertest.Reply{
		"POST " + updatePath: {Status: http.StatusCreated, Body: providertest.Fixture(t, "update_response_mintlify.json")},
	}, notFound))
	got, err := providertest.NewClient(t, evolution.New, srv.URL, instance, apiKey).Change(context.Background(), mainGroup, roster.OpAdd, []roster.Phone{docA, docB})
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
	srv := providertest.Serve(t, providertest.Routes(map[string]providertest.Reply{
		"GET " + instancesPath: unpaired, "GET " + participantsPath: {Status: http.StatusOK, Body: providertest.Fixture(t, "participants_response.json")},
	}, notFound))
	c := providertest.NewClient(t, evolution.New, srv.URL, instance, apiKey)

	// An instance without an owner number: Self stays unknown, and the group id lacks "@g.us".
	got, err := c.ReadGroup(context.Background(), "120363042000000001")
	if err != nil {
		t.Fatal(err)
	}
	seen := srv.Requests()
	if req := seen[0]; req.Path != instancesPath || req.Query != "instanceName=my-instance" {
		t.Errorf("first request %s?%s, want the instance lookup", req.Path, req.Query)
	}
	if req := seen[1]; req.Method != http.MethodGet || req.Path != participantsPath || req.Query != "groupJid=120363042000000001%40g.us" || len(req.Body) != 0 {
		t.Errorf("request %s %s?%s %q", req.Method, req.Path, req.Query, req.Body)
	}
	want := roster.Group{ID: "120363042000000001", Participants: []roster.Participant{
		{Phone: docA, RawID: "5511999999999@s.whatsapp.net", Role: roster.RoleSuperAdmin},
		{Phone: docB, RawID: "205227043110953@lid", Role: roster.RoleAdmin},
		{Phone: "553187654321", RawID: "553187654321@s.whatsapp.net", Role: roster.RoleMember},
		{Phone: "525512345678", RawID: "525512345678@s.whatsapp.net", Role: roster.RoleMember},
		{RawID: "205227043110999@lid", Role: roster.RoleMember},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("group\n%+v\nwant\n%+v", got, want)
	}
}

func TestDocumentedError(t *testing.T) {
	srv := providertest.Serve(t, providertest.Routes(map[string]providertest.Reply{
		"GET " + instancesPath: {Status: http.StatusNotFound, Body: providertest.Fixture(t, "error_instance_not_found.json")},
	}, notFound))
	err := providertest.NewClient(t, evolution.New, srv.URL, "invalid-instance", apiKey).CheckAccount(context.Background())
	providertest.AssertFailed(t, err, provider.ErrNotFound, apiKey, wrongKey)
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
			srv := providertest.Serve(t, func(r providertest.Request) providertest.Reply {
				return providertest.Reply{Status: tt.status,
					Body: fmt.Appendf(nil, `{"status": %d, "error": "x", "response": {"message": `+tt.message+`}}`, tt.status, r.Header.Get("apikey"))}
			})
			_, err := providertest.NewClient(t, evolution.New, srv.URL, instance, apiKey).Change(context.Background(), mainGroup, roster.OpAdd, []roster.Phone{docA})
			providertest.AssertFailed(t, err, tt.want, apiKey, wrongKey)
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("error %v lost the provider's message", err)
			}
		})
	}
}

// TestWritesNameLIDsOfTheLastRead: after a read, a remove, promote or demote names a member the
// read listed by LID with that LID, also in the declared form of a rewritten number's group; adds,
// members listed by number and groups not read go by number.
func TestWritesNameLIDsOfTheLastRead(t *testing.T) {
	const otherGroup = "120363042000000009@g.us"
	tests := []struct {
		name   string
		op     roster.Op
		group  string
		member roster.Phone
		sent   string
	}{
		{"demote a member listed by LID", roster.OpDemote, mainGroup, docB, "205227043110953@lid"},
		{"remove a member listed by LID", roster.OpRemove, mainGroup, docB, "205227043110953@lid"},
		{"promote a member listed by LID", roster.OpPromote, mainGroup, docB, "205227043110953@lid"},
		{"add goes by number", roster.OpAdd, mainGroup, docB, "5511888888888"},
		{"a member listed by number", roster.OpDemote, mainGroup, docA, "5511999999999"},
		{"a group not read", roster.OpDemote, otherGroup, docB, "5511888888888"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.Serve(t, providertest.Routes(map[string]providertest.Reply{
				"GET " + instancesPath:    unpaired,
				"GET " + participantsPath: {Status: http.StatusOK, Body: providertest.Fixture(t, "participants_response.json")},
				"POST " + updatePath: {Status: http.StatusCreated, Body: []byte(`{"updateParticipants": [
					{"status": "200", "jid": "205227043110953@lid", "content": {"tag": "participant", "attrs": {"jid": "205227043110953@lid"}}}]}`)},
			}, notFound))
			c := providertest.NewClient(t, evolution.New, srv.URL, instance, apiKey)
			if _, err := c.ReadGroup(context.Background(), mainGroup); err != nil {
				t.Fatal(err)
			}
			out, err := c.Change(context.Background(), tt.group, tt.op, []roster.Phone{tt.member})
			if err != nil {
				t.Fatal(err)
			}
			seen := srv.Requests()
			if want := fmt.Sprintf(`{"action":%q,"participants":[%q]}`, strings.ToLower(string(tt.op)), tt.sent); string(seen[len(seen)-1].Body) != want {
				t.Errorf("body %s, want %s", seen[len(seen)-1].Body, want)
			}
			wantResult := provider.ResultUnknown
			if tt.sent == "205227043110953@lid" {
				wantResult = provider.ResultApplied // the answer names the LID sent
			}
			if out[0].Member != tt.member || out[0].Result != wantResult {
				t.Errorf("outcome %+v, want %s for %s", out[0], wantResult, tt.member.E164())
			}
		})
	}
}

// --- Against wagov-sim ---

func TestReadGroup(t *testing.T) {
	tests := []struct {
		name, group string
		want        []roster.Participant
	}{
		{"rewritten numbers read back as WhatsApp holds them (roster.Canonical maps them to the declared form)", mainGroup, []roster.Participant{
			{Phone: creator, RawID: "5511912340099@s.whatsapp.net", Role: roster.RoleSuperAdmin},
			{Phone: self, RawID: "5511912340000@s.whatsapp.net", Role: roster.RoleAdmin},
			{Phone: member, RawID: "5511912340001@s.whatsapp.net", Role: roster.RoleMember},
			{Phone: "553187650001", RawID: "553187650001@s.whatsapp.net", Role: roster.RoleMember},
			{Phone: "525512340001", RawID: "525512340001@s.whatsapp.net", Role: roster.RoleAdmin},
		}},
		{"LIDs resolved by their phone attribute", lidRoom, []roster.Participant{
			{Phone: self, RawID: "5511912340000@s.whatsapp.net", Role: roster.RoleSuperAdmin},
			{Phone: member, RawID: "205227043110953@lid", Role: roster.RoleAdmin},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, endpoint := providertest.StartSim(t)
			got, err := providertest.NewClient(t, evolution.New, endpoint, instance, apiKey).ReadGroup(context.Background(), tt.group)
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

// TestOwnNumberReadOnce: the instance's number costs one call per client, not one per read, and
// one client's number is not another's.
func TestOwnNumberReadOnce(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	for range 2 {
		c := providertest.NewClient(t, evolution.New, endpoint, instance, apiKey)
		for range 3 {
			g, err := c.ReadGroup(context.Background(), mainGroup)
			if err != nil || g.Self != self {
				t.Fatalf("Self %s, err %v", g.Self, err)
			}
		}
		if own := c.(provider.Identity).OwnNumber(); own != self {
			t.Errorf("OwnNumber() = %q, want %s", own, self)
		}
	}
	ops := map[string]int{}
	for _, c := range s.Calls() {
		ops[c.Op]++
	}
	if want := map[string]int{sim.OpAccount: 2, sim.OpRead: 6}; !reflect.DeepEqual(ops, want) {
		t.Errorf("calls %v, want %v", ops, want)
	}
}

// TestOwnNumberFromCheckAccount: CheckAccount learns the number, so the first read needs no
// lookup; an unpaired instance has none.
func TestOwnNumberFromCheckAccount(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	c := providertest.NewClient(t, evolution.New, endpoint, instance, apiKey)
	if own := c.(provider.Identity).OwnNumber(); own != "" {
		t.Errorf("OwnNumber() = %q before any read", own)
	}
	if err := c.CheckAccount(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.ResetCalls()
	if g, err := c.ReadGroup(context.Background(), mainGroup); err != nil || g.Self != self || len(s.Calls()) != 1 {
		t.Errorf("Self %s, err %v, calls %+v; want %s in one call", g.Self, err, s.Calls(), self)
	}

	srv := providertest.Serve(t, providertest.Routes(map[string]providertest.Reply{"GET " + instancesPath: unpaired}, notFound))
	c = providertest.NewClient(t, evolution.New, srv.URL, instance, apiKey)
	providertest.AssertFailed(t, c.CheckAccount(context.Background()), provider.ErrUnavailable, apiKey)
	if own := c.(provider.Identity).OwnNumber(); own != "" {
		t.Errorf("unpaired instance: OwnNumber() = %q", own)
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
			_, endpoint := providertest.StartSim(t)
			err := providertest.NewClient(t, evolution.New, endpoint, tt.account, tt.key).CheckAccount(context.Background())
			providertest.AssertError(t, err, tt.want, apiKey, wrongKey)
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
			srv := providertest.Serve(t, providertest.Routes(map[string]providertest.Reply{
				"GET " + instancesPath: {Status: http.StatusOK, Body: []byte(tt.body)},
			}, notFound))
			providertest.AssertFailed(t, providertest.NewClient(t, evolution.New, srv.URL, instance, apiKey).CheckAccount(context.Background()), tt.want, apiKey, wrongKey)
		})
	}
}

// TestRewrittenMembersConverge adds a Brazilian and a Mexican mobile in their full form: Evolution
// stores the short form, the outcomes still name the members, and the next read reports them as
// declared, so nothing is added twice.
func TestRewrittenMembersConverge(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	c := providertest.NewClient(t, evolution.New, endpoint, instance, apiKey)
	ctx := context.Background()
	br, mx := roster.MustNormalize("+5531987654321"), roster.MustNormalize("+5215512345678")

	got, err := c.Change(ctx, mainGroup, roster.OpAdd, []roster.Phone{br, mx})
	if err != nil {
		t.Fatal(err)
	}
	if want := []provider.Outcome{{Member: br, Result: provider.ResultApplied, Code: 200}, {Member: mx, Result: provider.ResultApplied, Code: 200}}; !reflect.DeepEqual(got, want) {
		t.Errorf("outcomes %+v, want %+v", got, want)
	}
	truth := providertest.Roles(t, s, mainGroup)
	if truth["553187654321"] != roster.RoleMember || truth["525512345678"] != roster.RoleMember {
		t.Errorf("WhatsApp holds %v, want the short forms", truth)
	}
	if out, perr := c.Change(ctx, mainGroup, roster.OpPromote, []roster.Phone{mx}); perr != nil || out[0].Result != provider.ResultApplied {
		t.Fatalf("promote %s: %+v, %v", mx.E164(), out, perr)
	}
	g, err := c.ReadGroup(ctx, mainGroup)
	if err != nil {
		t.Fatal(err)
	}
	idx := g.Recognise([]roster.Phone{br, mx}, roster.Canonical).Index()
	if idx[br].Role != roster.RoleMember || idx[mx].Role != roster.RoleAdmin {
		t.Errorf("read back %v, want %s member and %s admin", idx, br.E164(), mx.E164())
	}
	if out, err := c.Change(ctx, mainGroup, roster.OpAdd, []roster.Phone{br}); err != nil || out[0].Result != provider.ResultUnchanged {
		t.Errorf("re-adding %s: %+v, %v, want Unchanged", br.E164(), out, err)
	}
}

// TestAddOutcomes adds one number of each kind in one call.
func TestAddOutcomes(t *testing.T) {
	s, endpoint := providertest.StartSim(t)
	providertest.AssertAddOutcomes(t, providertest.NewClient(t, evolution.New, endpoint, instance, apiKey), mainGroup, []providertest.AddCase{
		{Member: newcomer, Code: 200, Want: provider.ResultApplied},
		{Member: member, Code: 409, Want: provider.ResultUnchanged},
		{Member: private, Code: 403, Want: provider.ResultInviteRequired},
		{Member: unregistered, Code: 404, Want: provider.ResultNotOnWhatsApp},
		{Member: recentlyLeft, Code: 408, Want: provider.ResultRecentlyLeft},
	})
	truth := providertest.Roles(t, s, mainGroup)
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
			s, endpoint := providertest.StartSim(t)
			got, err := providertest.NewClient(t, evolution.New, endpoint, instance, apiKey).Change(context.Background(), mainGroup, tt.op, []roster.Phone{tt.member})
			if err != nil {
				t.Fatal(err)
			}
			if o := got[0]; o.Member != tt.member || o.Result != tt.want || o.Code != tt.code {
				t.Errorf("outcome %+v, want %s code %d", o, tt.want, tt.code)
			}
			if r := providertest.Roles(t, s, mainGroup)[tt.stored]; r != tt.roleNow {
				t.Errorf("%s now %q, want %q", tt.stored.E164(), r, tt.roleNow)
			}
		})
	}
}

// TestLIDAddressedGroup: in a group that lists members by LID, a write naming a member by
// number is refused for that member (evolution-api#1239) and changes nothing; after a read, the
// client names the member by LID and the write takes effect.
func TestLIDAddressedGroup(t *testing.T) {
	const lidMember = "+5511912340001" // an admin of lidRoom, listed by LID
	tests := []struct {
		name      string
		readFirst bool // read the group before writing
		op        roster.Op
		want      provider.Result
		code      int
		roleNow   roster.Role
	}{
		{"demote by number, unread", false, roster.OpDemote, provider.ResultRejected, 404, roster.RoleAdmin},
		{"remove by number, unread", false, roster.OpRemove, provider.ResultRejected, 404, roster.RoleAdmin},
		{"demote by LID after a read", true, roster.OpDemote, provider.ResultApplied, 200, roster.RoleMember},
		{"remove by LID after a read", true, roster.OpRemove, provider.ResultApplied, 200, ""},
		{"promote an admin by LID after a read", true, roster.OpPromote, provider.ResultApplied, 200, roster.RoleAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			c := providertest.NewClient(t, evolution.New, endpoint, instance, apiKey)
			if tt.readFirst {
				if _, err := c.ReadGroup(context.Background(), lidRoom); err != nil {
					t.Fatal(err)
				}
			}
			m := roster.MustNormalize(lidMember)
			out, err := c.Change(context.Background(), lidRoom, tt.op, []roster.Phone{m})
			if err != nil {
				t.Fatal(err)
			}
			if o := out[0]; o.Member != m || o.Result != tt.want || o.Code != tt.code {
				t.Errorf("outcome %+v, want %s code %d", o, tt.want, tt.code)
			}
			if r := providertest.Roles(t, s, lidRoom)[m]; r != tt.roleNow {
				t.Errorf("%s now %q, want %q", lidMember, r, tt.roleNow)
			}
		})
	}
}

func TestBatchRefusedBeforeCalling(t *testing.T) {
	providertest.AssertRefusedBeforeCalling(t, simClient, mainGroup, providertest.Numbers("+55119123401%02d", evolution.MaxBatch+1), apiKey, wrongKey)
}

func TestWholeCallErrors(t *testing.T) {
	tests := []struct {
		name, account, key string
		fault              *sim.Fault
		call               providertest.Call
		want               error
	}{
		{"add as a non-admin", instance, apiKey, nil, providertest.Change(roster.OpAdd, notOurs, newcomer), provider.ErrNotAdmin},
		{"promote as a non-admin", instance, apiKey, nil, providertest.Change(roster.OpPromote, notOurs, creator), provider.ErrNotAdmin},
		{"read an unknown group", instance, apiKey, nil, providertest.Read("120363049999999999@g.us"), provider.ErrNotFound},
		{"add to an unknown group", instance, apiKey, nil, providertest.Change(roster.OpAdd, "120363049999999999@g.us", newcomer), provider.ErrNotFound},
		{"read a 2Chat uuid", instance, apiKey, nil, providertest.Read("WAG45b0f301-9203-4660-8b57-b51a6c2742a5"), provider.ErrNotFound},
		{"read through an unknown instance", "other-instance", apiKey, nil, providertest.Read(mainGroup), provider.ErrNotFound},
		{"read with a wrong key", instance, wrongKey, nil, providertest.Read(mainGroup), provider.ErrUnauthorized},
		{"add with a wrong key", instance, wrongKey, nil, providertest.Change(roster.OpAdd, mainGroup, newcomer), provider.ErrUnauthorized},
		{"read answered 500", instance, apiKey, &sim.Fault{Status: 500}, providertest.Read(mainGroup), provider.ErrUnavailable},
		{"remove answered 503", instance, apiKey, &sim.Fault{Status: 503}, providertest.Change(roster.OpRemove, mainGroup, member), provider.ErrUnavailable},
		{"read answered malformed", instance, apiKey, &sim.Fault{Op: sim.OpRead, Malformed: true}, providertest.Read(mainGroup), provider.ErrUnavailable},
		{"add answered malformed", instance, apiKey, &sim.Fault{Malformed: true}, providertest.Change(roster.OpAdd, mainGroup, newcomer), provider.ErrUnavailable},
		{"account check answered malformed", instance, apiKey, &sim.Fault{Malformed: true}, providertest.CheckAccount, provider.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := providertest.StartSim(t)
			if tt.fault != nil {
				s.InjectFault(*tt.fault)
			}
			providertest.AssertFailed(t, tt.call(context.Background(), providertest.NewClient(t, evolution.New, endpoint, tt.account, tt.key)), tt.want, apiKey, wrongKey)
		})
	}
}

func TestRateLimited(t *testing.T) {
	providertest.AssertRateLimited(t, simClient, mainGroup, newcomer, apiKey, wrongKey)
}

// simClient is the client under test for the simulator at endpoint, acting as the instance with apiKey.
func simClient(t *testing.T, endpoint string) provider.Client {
	return providertest.NewClient(t, evolution.New, endpoint, instance, apiKey)
}
