package sim_test

import (
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/sim"
)

// Add merges a seed into the running world; a seed that repeats an account, person or group
// is refused whole, and groups are found by id or JID.
func TestAddMergesIntoTheWorld(t *testing.T) {
	s, err := sim.New(sim.Seed{
		Accounts: []sim.Account{{Name: "a", Type: "TwoChat", APIKey: "k1", Numbers: []string{"+12123334444"}}},
		Groups:   []sim.SeedGroup{{ID: "WAG-1", JID: "120363000000000001@g.us", Participants: []sim.SeedMember{{Phone: "+12123334444", Role: "superadmin"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	more := sim.Seed{
		Accounts: []sim.Account{{Name: "b", Type: "TwoChat", APIKey: "k2", Session: "s-1", Numbers: []string{"+12125550100"}}},
		People:   []sim.Person{{Phone: "+447700900002", LID: "205227043110953@lid"}},
		Groups:   []sim.SeedGroup{{ID: "120363000000000002@g.us", Addressing: "lid", Participants: []sim.SeedMember{{Phone: "+447700900002", Role: "superadmin"}}}},
	}
	if err = s.Add(more); err != nil {
		t.Fatal(err)
	}
	g, ok := s.Group("120363000000000001@g.us")
	if !ok || g.ID != "WAG-1" {
		t.Fatalf("lookup by JID: %+v %v", g, ok)
	}
	g, ok = s.Group("120363000000000002@g.us")
	if !ok || g.Addressing != "lid" || g.Participants[0].LID != "205227043110953@lid" {
		t.Fatalf("added group: %+v %v", g, ok)
	}
	err = s.Add(sim.Seed{Groups: []sim.SeedGroup{{ID: "WAG-1", JID: "120363000000000009@g.us"}}})
	if err == nil || !strings.Contains(err.Error(), `group "WAG-1" already exists`) {
		t.Fatalf("re-adding a group: %v", err)
	}
	err = s.Add(sim.Seed{Accounts: []sim.Account{{Name: "c", Type: "TwoChat", APIKey: "k1"}}})
	if err == nil || strings.Contains(err.Error(), "k1") {
		t.Fatalf("re-using a key: %v (must be refused, without quoting the key)", err)
	}
	if err := s.Add(sim.Seed{Groups: []sim.SeedGroup{{ID: "x@g.us", Addressing: "other"}}}); err == nil {
		t.Fatal("unknown addressing mode accepted")
	}
}
