package twochat_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/sim/simtest"
	_ "github.com/wagov/wagov/internal/sim/twochat"
)

// The documented example: group, from_number and participants of 2Chat's request samples.
const (
	key     = "demo-key-1" // acme-2chat, connected number +12123334444
	otherKy = "demo-key-2" // other-2chat, connected number +12125550100
	group   = "WAG45b0f301-9203-4660-8b57-b51a6c2742a5"
	small   = "WAG00000000-0000-4000-8000-000000000002" // maxSize 3; +12123334444 created it
	from    = "+12123334444"
	creator = "+12125550199"
)

// world is the simulator a test runs against.
type world struct{ *simtest.Server }

// start serves the simulator's shared world, ../testdata/world.yaml, for one test.
func start(t *testing.T) world {
	t.Helper()
	return world{simtest.Start(t, simtest.LoadSeed(t, "../testdata/world.yaml"))}
}

// do sends one 2Chat request with the given X-User-API-Key ("" for none) and returns the status
// and body.
func (w world) do(t *testing.T, method, path, apiKey, body string) (int, []byte) {
	t.Helper()
	status, _, b := w.Do(t, method, path, simtest.JSONHeader("X-User-API-Key", apiKey), body)
	return status, b
}

// write posts {from_number, participants} to one of the group write endpoints.
func (w world) write(t *testing.T, groupID, op, fromNumber string, participants ...string) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"from_number": fromNumber, "participants": participants})
	return w.do(t, http.MethodPost, "/open/whatsapp/group/"+groupID+"/"+op+"-participant", key, string(body))
}

func TestDocumentedAddExample(t *testing.T) {
	w := start(t)
	status, body := w.write(t, group, "add", from, "+447700176576", "+17137157533")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	simtest.AssertJSON(t, body, `{
		"success": true,
		"participants": {
			"+447700176576": {"statusCode": 200, "message": "The participant was added successfully", "isInviteV4Sent": false},
			"+17137157533": {"statusCode": 200, "message": "The participant was added successfully", "isInviteV4Sent": false}
		}
	}`)
}

func TestDocumentedChangeExamples(t *testing.T) {
	w := start(t)
	w.write(t, group, "add", from, "+447700176576")
	ts := simtest.Epoch.Unix()
	for _, op := range []string{"promote", "demote", "remove"} {
		t.Run(op, func(t *testing.T) {
			status, body := w.write(t, group, op, from, "+447700176576", "+17137157533")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			simtest.AssertJSON(t, body, fmt.Sprintf(`{"success": true, "participants": {"timestamp": %d,
				"accepted_numbers": ["+447700176576"], "unaccepted_numbers": ["+17137157533"]}}`, ts))
		})
	}
}

func TestAddPerMemberCodes(t *testing.T) {
	tests := []struct {
		name, group, phone string
		code               int
		invite             bool
	}{
		{"added", group, "+447700176576", 200, false},
		{"already a member", group, "+447700900002", 409, false},
		{"not on WhatsApp", group, "+15550000000", 404, false},
		{"privacy", group, "+447700900001", 403, true},
		{"recently left", group, "+17137150000", 408, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.write(t, tt.group, "add", from, tt.phone)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			var got struct {
				Participants map[string]struct {
					StatusCode     int  `json:"statusCode"`
					IsInviteV4Sent bool `json:"isInviteV4Sent"`
				} `json:"participants"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			r := got.Participants[tt.phone]
			if r.StatusCode != tt.code || r.IsInviteV4Sent != tt.invite {
				t.Errorf("got %+v, want statusCode %d isInviteV4Sent %v", r, tt.code, tt.invite)
			}
			wantRole := map[int]string{200: "member", 409: "member"}[tt.code]
			if got := simtest.Roles(t, w.Sim, tt.group)[tt.phone]; got != wantRole {
				t.Errorf("role after = %q, want %q", got, wantRole)
			}
		})
	}
}

func TestAddToFullGroup(t *testing.T) {
	w := start(t)
	_, body := w.write(t, small, "add", from, "+447700176576", "+17137157533")
	if !strings.Contains(string(body), `"+447700176576":{"statusCode":200`) ||
		!strings.Contains(string(body), `"+17137157533":{"statusCode":419`) {
		t.Errorf("want the first added and the second refused 419, got %s", body)
	}
}

func TestWriteRefusals(t *testing.T) {
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("+4477009100%02d", i)
	}
	elevenJSON, _ := json.Marshal(map[string]any{"from_number": from, "participants": eleven})
	tests := []struct {
		name, apiKey, group, body string
		status                    int
		errorHas                  string
	}{
		{"invalid JSON", key, group, `{"from_number":`, 400, "invalid JSON"},
		{"no from_number", key, group, `{"participants":["+447700176576"]}`, 400, "from_number is required"},
		{"no participants", key, group, `{"from_number":"+12123334444","participants":[]}`, 400, "at least one"},
		{"more than 10", key, group, string(elevenJSON), 400, "at most 10"},
		{"participant without +", key, group, `{"from_number":"+12123334444","participants":["447700176576"]}`, 400, "participants[0]"},
		{"participant too short", key, group, `{"from_number":"+12123334444","participants":["+1234"]}`, 400, "participants[0]"},
		{"from_number not the key's", key, group, `{"from_number":"+12125550100","participants":["+447700176576"]}`, 403, "not connected"},
		{"unknown group", key, "WAGnope", `{"from_number":"+12123334444","participants":["+447700176576"]}`, 404, "group not found"},
		{"caller not an admin", otherKy, small, `{"from_number":"+12125550100","participants":["+447700176576"]}`, 403, "not an admin"},
		{"caller not in the group", otherKy, group, `{"from_number":"+12125550100","participants":["+447700176576"]}`, 403, "not an admin"},
	}
	for _, tt := range tests {
		for _, op := range []string{"add", "remove", "promote", "demote"} {
			t.Run(tt.name+"/"+op, func(t *testing.T) {
				w := start(t)
				status, body := w.do(t, http.MethodPost, "/open/whatsapp/group/"+tt.group+"/"+op+"-participant", tt.apiKey, tt.body)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, body)
				}
				var e struct {
					Success *bool  `json:"success"`
					Error   string `json:"error"`
				}
				if err := json.Unmarshal(body, &e); err != nil || e.Success == nil || *e.Success || !strings.Contains(e.Error, tt.errorHas) {
					t.Errorf("want {success:false, error:~%q}, got %s", tt.errorHas, body)
				}
				if g, _ := w.Sim.Group(tt.group); len(g.Participants) != 0 && simtest.Roles(t, w.Sim, tt.group)["+447700176576"] != "" {
					t.Errorf("a refused call changed the group")
				}
			})
		}
	}
}

func TestTenParticipantsAllowed(t *testing.T) {
	w := start(t)
	ten := make([]string, 10)
	for i := range ten {
		ten[i] = fmt.Sprintf("+4477009100%02d", i)
	}
	if status, body := w.write(t, group, "add", from, ten...); status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	if g, _ := w.Sim.Group(group); len(g.Participants) != 13 {
		t.Errorf("got %d participants, want 13", len(g.Participants))
	}
}

func TestRoleChanges(t *testing.T) {
	tests := []struct {
		name, op, phone string
		accepted        bool
		roleAfter       string
	}{
		{"remove the creator", "remove", creator, false, "superadmin"},
		{"demote the creator", "demote", creator, false, "superadmin"},
		{"promote the creator", "promote", creator, true, "superadmin"},
		{"remove a member", "remove", "+447700900002", true, ""},
		{"remove a non-member", "remove", "+447700176576", false, ""},
		{"promote a member", "promote", "+447700900002", true, "admin"},
		{"promote a non-member", "promote", "+447700176576", false, ""},
		{"demote an admin", "demote", from, true, "member"},
		{"demote a member", "demote", "+447700900002", true, "member"},
		{"demote a non-member", "demote", "+447700176576", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.write(t, group, tt.op, from, tt.phone)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			accepted := strings.Contains(string(body), `"accepted_numbers":["`+tt.phone+`"]`)
			if accepted != tt.accepted {
				t.Errorf("accepted = %v, want %v: %s", accepted, tt.accepted, body)
			}
			if got := simtest.Roles(t, w.Sim, group)[tt.phone]; got != tt.roleAfter {
				t.Errorf("role after = %q, want %q", got, tt.roleAfter)
			}
		})
	}
}

func TestAuthFailures(t *testing.T) {
	for _, apiKey := range []string{"", "wrong-key"} {
		t.Run("key "+apiKey, func(t *testing.T) {
			w := start(t)
			status, body := w.do(t, http.MethodGet, "/open/whatsapp/group/"+group, apiKey, "")
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", status)
			}
			simtest.AssertJSON(t, body, `{"success": false, "error": "invalid or missing API key"}`)
			calls := w.Sim.Calls()
			if len(calls) != 1 || calls[0].Account != "" || calls[0].Status != 401 || calls[0].Op != sim.OpRead {
				t.Errorf("call log %+v", calls)
			}
		})
	}
}

func TestReads(t *testing.T) {
	tests := []struct {
		name, apiKey, path string
		status             int
		has                []string
	}{
		{"numbers", key, "/open/whatsapp/get-numbers", 200,
			[]string{`"phone_number":"+12123334444"`, `"server":"12123334444@c.us"`, `"connection_status":"C"`, `"uuid":"WPN`}},
		{"groups of a number, + encoded", key, "/open/whatsapp/groups/%2B12123334444", 200,
			[]string{`"uuid":"` + group + `"`, `"wa_group_id":"120363042000000001@g.us"`, `"wa_group_name":"Field agents NYC"`, `"uuid":"` + small + `"`}},
		{"groups of a number, + raw", otherKy, "/open/whatsapp/groups/+12125550100", 200,
			[]string{`"uuid":"` + small + `"`}},
		{"groups of a number not the key's", key, "/open/whatsapp/groups/%2B12125550100", 404, []string{`"success":false`}},
		{"group", key, "/open/whatsapp/group/" + group, 200, []string{
			`"wa_owner_id":"12125550199@c.us"`, `"size":3`, `"channel_is_owner":false`,
			`{"wa_participant_id":"12125550199@c.us","wa_pushname":"","wa_is_admin":true,"wa_is_super_admin":true`,
			`{"wa_participant_id":"12123334444@c.us","wa_pushname":"","wa_is_admin":true,"wa_is_super_admin":false`,
			`"phone_number":"+447700900002"`,
		}},
		{"group the key created", key, "/open/whatsapp/group/" + small, 200, []string{`"channel_is_owner":true`}},
		{"group the key is not in", otherKy, "/open/whatsapp/group/" + group, 404, []string{`"error":"group not found"`}},
		{"unknown group", key, "/open/whatsapp/group/WAGnope", 404, []string{`"error":"group not found"`}},
		{"unknown path", key, "/open/whatsapp/nope", 404, []string{`"success":false`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t)
			status, body := w.do(t, http.MethodGet, tt.path, tt.apiKey, "")
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			simtest.AssertHas(t, body, tt.has...)
		})
	}
}

func TestCallLog(t *testing.T) {
	w := start(t)
	w.write(t, group, "add", from, "+447700176576", "+17137157533")
	w.do(t, http.MethodGet, "/open/whatsapp/nope", key, "")
	want := []sim.Call{
		{Time: simtest.Epoch, Provider: "TwoChat", Account: "acme-2chat", Op: sim.OpAdd, Group: group, Method: "POST",
			Path: "/open/whatsapp/group/" + group + "/add-participant", Status: 200, Members: 2},
		{Time: simtest.Epoch, Provider: "TwoChat", Account: "acme-2chat", Op: sim.OpUnknown, Method: "GET",
			Path: "/open/whatsapp/nope", Status: 404},
	}
	if got := w.Sim.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls\n%+v\nwant\n%+v", got, want)
	}
}
