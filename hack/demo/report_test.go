package main

import (
	"maps"
	"slices"
	"testing"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

const (
	self    = "+12123334444"
	creator = "+12125550101"
	alice   = "+447700900001"
	bob     = "+447700900002"
	carol   = "+447700900003"
)

func rosterOf(pairs ...string) roster {
	var r roster
	for i := 0; i < len(pairs); i += 2 {
		r.put(pairs[i], pairs[i+1])
	}
	return r
}

func TestExpectedAfterAndDiff(t *testing.T) {
	start := rosterOf(creator, roleSuperAdmin, self, roleAdmin, alice, roleAdmin, bob, roleMember)
	tests := []struct {
		name      string
		spec      whatsappv1.WhatsAppGroupSpec
		want      roster
		diff      changes
		leftAlone []string
	}{
		{
			name:      "Enforce demotes the unlisted admin and promotes a newcomer; AddOnly keeps everyone",
			spec:      whatsappv1.WhatsAppGroupSpec{Members: []string{bob}, Admins: []string{carol}, AdminPolicy: whatsappv1.AdminEnforce},
			want:      rosterOf(creator, roleSuperAdmin, self, roleAdmin, alice, roleMember, bob, roleMember, carol, roleAdmin),
			diff:      changes{sim.OpAdd: {carol}, sim.OpPromote: {carol}, sim.OpDemote: {alice}},
			leftAlone: []string{creator + " (creator)", self + " (provider's number)"},
		},
		{
			name:      "Sync removes the undeclared; the creator and the provider's number stay",
			spec:      whatsappv1.WhatsAppGroupSpec{Admins: []string{alice}, MembershipPolicy: whatsappv1.MembershipSync},
			want:      rosterOf(creator, roleSuperAdmin, self, roleAdmin, alice, roleAdmin),
			diff:      changes{sim.OpRemove: {bob}},
			leftAlone: []string{creator + " (creator)", self + " (provider's number)"},
		},
		{
			name: "PromoteOnly keeps the unlisted admin, and AddOnly everyone: nobody is left alone by a protection",
			spec: whatsappv1.WhatsAppGroupSpec{Members: []string{alice}, Admins: []string{bob}, AdminPolicy: whatsappv1.AdminPromoteOnly},
			want: rosterOf(creator, roleSuperAdmin, self, roleAdmin, alice, roleAdmin, bob, roleAdmin),
			diff: changes{sim.OpPromote: {bob}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, alone := expectedAfter(start, tt.spec, self)
			if !maps.Equal(got.role, tt.want.role) {
				t.Errorf("expectedAfter = %v, want %v", got.role, tt.want.role)
			}
			if !slices.Equal(alone, tt.leftAlone) {
				t.Errorf("left alone = %q, want %q", alone, tt.leftAlone)
			}
			if d := diff(start, got); !maps.EqualFunc(d, tt.diff, slices.Equal) {
				t.Errorf("diff = %v, want %v", d, tt.diff)
			}
		})
	}
}

func TestPlannedCalls(t *testing.T) {
	for _, tc := range []struct{ k, batch, want int }{
		{0, 10, 0}, {1, 10, 1}, {10, 10, 1}, {11, 10, 2}, {12, 10, 2}, {20, 10, 2}, {21, 10, 3},
		{0, 5, 0}, {5, 5, 1}, {7, 5, 2}, {0, 1, 0}, {1, 1, 1}, {3, 1, 3},
	} {
		if got := plannedCalls(tc.k, tc.batch); got != tc.want {
			t.Errorf("plannedCalls(%d, %d) = %d, want %d", tc.k, tc.batch, got, tc.want)
		}
	}
}

// The demo runs a group on every provider type the operator supports, and knows each one's
// batch cap.
func TestDemoCoversEveryProviderType(t *testing.T) {
	seed, err := sim.LoadSeedFile("world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	values, err := valuesFromSeed(seed, namespace, "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err = renderManifests("manifests", dir, values); err != nil {
		t.Fatal(err)
	}
	decl, err := readDeclared(dir)
	if err != nil {
		t.Fatal(err)
	}
	facts, err := factsOf(decl.providers, values)
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, g := range decl.groups {
		f := facts[g.Spec.ProviderRef.Name]
		if f.maxBatch < 1 {
			t.Errorf("%s: batch cap %d", g.Name, f.maxBatch)
		}
		covered[string(f.typ)] = true
	}
	for _, typ := range provider.Types() {
		if !covered[typ] {
			t.Errorf("no demo group on %s", typ)
		}
	}
}

// The write checks hold each type to ceil(k/cap) calls naming k participants, count a member
// named in the path (QuickGateway), and check the writes of a type whose log files them under
// one op (Evolution) together.
func TestWriteChecks(t *testing.T) {
	at := func(op string, members int, path string) sim.Call {
		return sim.Call{Op: op, Members: members, Path: path, Status: 200}
	}
	read := at(sim.OpRead, 0, "/read")
	tests := []struct {
		name     string
		facts    providerFacts
		changes  changes
		calls    []sim.Call
		problems int
	}{
		{
			name:    "batches of 10",
			facts:   providerFacts{maxBatch: 10},
			changes: changes{sim.OpAdd: make([]string, 12)},
			calls:   []sim.Call{read, at(sim.OpAdd, 10, "/add"), at(sim.OpAdd, 2, "/add")},
		},
		{
			name:     "one call too many for a cap of 5",
			facts:    providerFacts{maxBatch: 5},
			changes:  changes{sim.OpAdd: make([]string, 5)},
			calls:    []sim.Call{read, at(sim.OpAdd, 3, "/add"), at(sim.OpAdd, 2, "/add")},
			problems: 1,
		},
		{
			name:    "QuickGateway names the member in the path",
			facts:   providerFacts{maxBatch: 1},
			changes: changes{sim.OpPromote: make([]string, 2)},
			calls: []sim.Call{read, at(sim.OpPromote, 0, "/groups/g@g.us/members/1@s.whatsapp.net/promote"),
				at(sim.OpPromote, 0, "/groups/g@g.us/members/2@s.whatsapp.net/promote")},
		},
		{
			name:    "Evolution's writes, all logged as add, checked together",
			facts:   providerFacts{maxBatch: 5, mergedOp: sim.OpAdd},
			changes: changes{sim.OpAdd: make([]string, 2), sim.OpPromote: make([]string, 1), sim.OpDemote: make([]string, 1)},
			calls:   []sim.Call{read, at(sim.OpAdd, 2, "/u"), at(sim.OpAdd, 1, "/u"), at(sim.OpAdd, 1, "/u")},
		},
		{
			name:     "Evolution with a write missing",
			facts:    providerFacts{maxBatch: 5, mergedOp: sim.OpAdd},
			changes:  changes{sim.OpAdd: make([]string, 2), sim.OpPromote: make([]string, 1)},
			calls:    []sim.Call{read, at(sim.OpAdd, 2, "/u")},
			problems: 2, // one call short, one participant short
		},
		{
			name:     "no read",
			facts:    providerFacts{maxBatch: 10},
			problems: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := groupResult{facts: tt.facts, wantC: tt.changes, calls: map[string][]sim.Call{}}
			for _, c := range tt.calls {
				r.calls[c.Op] = append(r.calls[c.Op], c)
			}
			if got := r.problems(); len(got) != tt.problems {
				t.Errorf("problems %q, want %d", got, tt.problems)
			}
		})
	}
}
