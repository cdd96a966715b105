// assert.go owns the checks simulator tests make of an answer and of the simulated world.

package simtest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/sim"
)

// AssertJSON checks that the answer got is JSON equal to want.
func AssertJSON(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("answer\n%s\nwant\n%s", got, want)
	}
}

// AssertHas checks that the answer got holds each of parts.
func AssertHas(t testing.TB, got []byte, parts ...string) {
	t.Helper()
	for _, part := range parts {
		if !strings.Contains(string(got), part) {
			t.Errorf("answer lacks %s:\n%s", part, got)
		}
	}
}

// Roles returns the participants of a group as the simulator holds them, +E164 → role; it
// fails the test if there is no such group.
func Roles(t testing.TB, s *sim.Sim, group string) map[string]string {
	t.Helper()
	g, ok := s.Group(group)
	if !ok {
		t.Fatalf("group %s missing", group)
	}
	out := map[string]string{}
	for _, m := range g.Participants {
		out[m.Phone] = m.Role
	}
	return out
}

// ParticipantsRequest is the body of a WAHA ParticipantsRequest naming ids, which Wawp takes
// too.
func ParticipantsRequest(ids ...string) string {
	type participant struct {
		ID string `json:"id"`
	}
	req := struct {
		Participants []participant `json:"participants"`
	}{}
	for _, id := range ids {
		req.Participants = append(req.Participants, participant{id})
	}
	b, _ := json.Marshal(req)
	return string(b)
}
