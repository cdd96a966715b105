package main

import (
	"maps"
	"slices"
	"testing"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
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
		name string
		spec whatsappv1.WhatsAppGroupSpec
		want roster
		diff changes
	}{
		{
			name: "Enforce demotes the unlisted admin and promotes a newcomer; AddOnly keeps everyone",
			spec: whatsappv1.WhatsAppGroupSpec{Members: []string{bob}, Admins: []string{carol}, AdminPolicy: whatsappv1.AdminEnforce},
			want: rosterOf(creator, roleSuperAdmin, self, roleAdmin, alice, roleMember, bob, roleMember, carol, roleAdmin),
			diff: changes{sim.OpAdd: {carol}, sim.OpPromote: {carol}, sim.OpDemote: {alice}},
		},
		{
			name: "Sync removes the undeclared; the creator and the provider's number stay",
			spec: whatsappv1.WhatsAppGroupSpec{Admins: []string{alice}, MembershipPolicy: whatsappv1.MembershipSync},
			want: rosterOf(creator, roleSuperAdmin, self, roleAdmin, alice, roleAdmin),
			diff: changes{sim.OpRemove: {bob}},
		},
		{
			name: "PromoteOnly keeps the unlisted admin",
			spec: whatsappv1.WhatsAppGroupSpec{Members: []string{alice}, Admins: []string{bob}, AdminPolicy: whatsappv1.AdminPromoteOnly},
			want: rosterOf(creator, roleSuperAdmin, self, roleAdmin, alice, roleAdmin, bob, roleAdmin),
			diff: changes{sim.OpPromote: {bob}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := expectedAfter(start, tt.spec, self)
			if !maps.Equal(got.role, tt.want.role) {
				t.Errorf("expectedAfter = %v, want %v", got.role, tt.want.role)
			}
			if d := diff(start, got); !maps.EqualFunc(d, tt.diff, slices.Equal) {
				t.Errorf("diff = %v, want %v", d, tt.diff)
			}
		})
	}
}

func TestPlannedCalls(t *testing.T) {
	for k, want := range map[int]int{0: 0, 1: 1, 10: 1, 11: 2, 12: 2, 20: 2, 21: 3} {
		if got := plannedCalls(k); got != want {
			t.Errorf("plannedCalls(%d) = %d, want %d", k, got, want)
		}
	}
}
