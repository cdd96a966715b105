package sim_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/sim"
)

func TestLoadSeedFile(t *testing.T) {
	dir := t.TempDir()
	json := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(json, []byte(`{"readLag":"90s","groups":[{"id":"120363000000000009@g.us"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"testdata/world.yaml", json} {
		seed, err := sim.LoadSeedFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if _, err := sim.New(seed); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	seed, _ := sim.LoadSeedFile(json)
	s, _ := sim.New(seed)
	if g, _ := s.Group("120363000000000009@g.us"); g.JID != "120363000000000009@g.us" {
		t.Errorf("jid did not default to the id: %+v", g)
	}
	if s.ReadLag() != 90*time.Second {
		t.Errorf("read lag %v, want 90s", s.ReadLag())
	}
	if _, err := sim.LoadSeedFile(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestSeedValidation(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"account fields", `accounts: [{type: Nope}]`,
			[]string{"accounts[0].name: required", "accounts[0].apiKey: required", `accounts[0].type: "Nope" has no dialect; known types: TwoChat`}},
		{"duplicate account", `accounts: [{name: a, type: TwoChat, apiKey: secret-1}, {name: a, type: TwoChat, apiKey: secret-1}]`,
			[]string{`accounts[1].name: "a" is also the name of accounts[0]`, "accounts[1].apiKey: same key as accounts[0]"}},
		{"account number", `accounts: [{name: a, type: TwoChat, apiKey: k, numbers: ["12125550100", "+12"]}]`,
			[]string{"accounts[0].numbers[0]", "accounts[0].numbers[1]"}},
		{"rate limit", `accounts: [{name: a, type: TwoChat, apiKey: k, rateLimit: {requestsPerMinute: 0}}]`,
			[]string{"accounts[0].rateLimit: requestsPerMinute must be positive"}},
		{"people", `people: [{phone: "+447700900001"}, {phone: "+447700900001", lid: "123@c.us"}, {phone: x}]`,
			[]string{"people[1].phone: +447700900001 is listed twice", `people[1].lid: "123@c.us" does not end in @lid`, "people[2].phone"}},
		{"group ids", `groups: [{jid: 1@g.us}, {id: g, jid: 2@g.us}, {id: g, jid: 3@g.us}, {id: h}]`,
			[]string{"groups[0].id: required", `groups[2].id: "g" is listed twice`, `groups[3].jid: "" is not a group JID`}},
		{"roles", `groups: [{id: g, jid: 1@g.us, participants: [{phone: "+12125550100", role: superadmin}, {phone: "+12125550101", role: superadmin}, {phone: "+12125550102", role: owner}]}]`,
			[]string{"groups[0].participants[1].role: a group has at most one superadmin", `groups[0].participants[2].role: "owner" is not member, admin or superadmin`}},
		{"participants", `{people: [{phone: "+15550000000", unregistered: true}], groups: [{id: g, jid: 1@g.us, participants: [{phone: "+12125550100"}, {phone: "+12125550100"}, {phone: "+15550000000"}], recentlyLeft: ["+12125550100"]}]}`,
			[]string{"groups[0].participants[1].phone: +12125550100 is listed twice", "participants[2].phone: +15550000000 is not on WhatsApp", "groups[0].recentlyLeft[0]: +12125550100 is a participant"}},
		{"size", `groups: [{id: g, jid: 1@g.us, maxSize: 1, participants: [{phone: "+12125550100"}, {phone: "+12125550101"}]}]`,
			[]string{"groups[0]: 2 participants do not fit maxSize 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed, err := sim.ParseSeed([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			_, err = sim.New(seed)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "secret-1") {
				t.Errorf("error quotes an API key:\n%v", err)
			}
		})
	}
}
