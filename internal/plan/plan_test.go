package plan

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/roster"
)

const (
	self    = roster.Phone("12125550100")
	creator = roster.Phone("12125550199")
	alice   = roster.Phone("447700176576")
	bob     = roster.Phone("17137157533")
	carol   = roster.Phone("5511999990001")
	dave    = roster.Phone("33612345678")
)

func member(p roster.Phone) roster.Participant {
	return roster.Participant{Phone: p, Role: roster.RoleMember}
}
func admin(p roster.Phone) roster.Participant {
	return roster.Participant{Phone: p, Role: roster.RoleAdmin}
}
func lid(id string, r roster.Role) roster.Participant {
	return roster.Participant{RawID: id, Role: r}
}

func group(ps ...roster.Participant) roster.Group {
	all := append([]roster.Participant{{Phone: creator, Role: roster.RoleSuperAdmin}, admin(self)}, ps...)
	return roster.Group{ID: "g", Participants: all, Self: self}
}

func phones(ps ...roster.Phone) []roster.Phone { return ps }

// bothProtected is what every plan under Enforce reports when the whitelist omits the creator
// and the provider's own number.
var bothProtected = []Protected{{"+12125550100", ProtectSelf}, {"+12125550199", ProtectCreator}}

func TestCompute(t *testing.T) {
	tests := []struct {
		name                         string
		in                           Input
		add, promote, demote, remove []roster.Phone
		protected                    []Protected
		held, awaiting               []roster.Change
	}{
		{
			name: "new group converges: adds, then promotes the added admin",
			in:   Input{Members: phones(alice, bob), Admins: phones(carol), Live: group(), DemoteUnlisted: true},
			add:  phones(bob, alice, carol), promote: phones(carol),
			protected: bothProtected,
		},
		{
			name:    "existing member promoted, unlisted admin demoted under Enforce",
			in:      Input{Members: phones(alice, bob), Admins: phones(alice), Live: group(member(alice), admin(bob)), DemoteUnlisted: true},
			promote: phones(alice), demote: phones(bob),
			protected: bothProtected,
		},
		{
			name: "PromoteOnly never demotes",
			in:   Input{Members: phones(alice, bob), Admins: phones(alice), Live: group(admin(alice), admin(bob))},
		},
		{
			name:      "AddOnly never removes undeclared members",
			in:        Input{Members: phones(alice), Live: group(member(alice), member(dave)), DemoteUnlisted: true},
			protected: bothProtected,
		},
		{
			name:      "Sync removes undeclared members, and an undeclared admin is removed, not demoted",
			in:        Input{Members: phones(alice), Live: group(member(alice), member(dave), admin(bob)), RemoveUndeclared: true, DemoteUnlisted: true},
			remove:    phones(bob, dave),
			protected: bothProtected,
		},
		{
			name:      "the creator and the provider's own number are never touched",
			in:        Input{Members: phones(alice), Live: group(member(alice)), RemoveUndeclared: true, DemoteUnlisted: true},
			protected: bothProtected,
		},
		{
			name:      "unresolved identities are never removed or demoted",
			in:        Input{Members: phones(alice), Live: group(member(alice), lid("1@lid", roster.RoleAdmin), lid("2@lid", roster.RoleMember)), RemoveUndeclared: true, DemoteUnlisted: true},
			protected: []Protected{{"+12125550100", ProtectSelf}, {"+12125550199", ProtectCreator}, {"1@lid", ProtectUnresolved}, {"2@lid", ProtectUnresolved}},
		},
		{
			name: "when the provider does not name its own account, no admin is demoted or removed",
			in: Input{Members: phones(alice), Live: roster.Group{Participants: []roster.Participant{admin(self), admin(bob), member(dave), member(alice)}},
				RemoveUndeclared: true, DemoteUnlisted: true},
			remove:    phones(dave),
			protected: []Protected{{"+12125550100", ProtectUnknownSelf}, {"+17137157533", ProtectUnknownSelf}},
		},
		{
			name: "a held add holds the member's promotion too",
			in:   Input{Members: phones(alice, bob), Admins: phones(bob), Live: group(), Hold: map[roster.Change]bool{{Op: roster.OpAdd, Member: bob}: true}},
			add:  phones(alice), held: []roster.Change{{Op: roster.OpAdd, Member: bob}, {Op: roster.OpPromote, Member: bob}},
		},
		{
			name: "held promotions and demotions are left out; a hold on a change not needed is ignored",
			in: Input{Members: phones(alice, bob), Admins: phones(alice), Live: group(member(alice), admin(bob)), DemoteUnlisted: true,
				Hold: map[roster.Change]bool{{Op: roster.OpPromote, Member: alice}: true, {Op: roster.OpDemote, Member: bob}: true, {Op: roster.OpRemove, Member: dave}: true}},
			held:      []roster.Change{{Op: roster.OpPromote, Member: alice}, {Op: roster.OpDemote, Member: bob}},
			protected: bothProtected,
		},
		{
			name:    "a number declared twice, as a member and as an admin, is added and promoted once",
			in:      Input{Members: phones(alice, alice, bob), Admins: phones(alice), Live: group(member(bob))},
			add:     phones(alice),
			promote: phones(alice),
		},
		{
			name:    "a participant read twice has the role of the last reading",
			in:      Input{Members: phones(alice), Admins: phones(alice), Live: group(admin(alice), member(alice))},
			promote: phones(alice),
		},
		{
			name:      "steady state plans nothing",
			in:        Input{Members: phones(alice, bob), Admins: phones(self, alice), Live: group(admin(alice), member(bob)), RemoveUndeclared: true, DemoteUnlisted: true},
			protected: []Protected{{"+12125550199", ProtectCreator}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Compute(tt.in)
			for _, c := range []struct {
				kind      string
				got, want []roster.Phone
			}{{"add", p.Add, tt.add}, {"promote", p.Promote, tt.promote}, {"demote", p.Demote, tt.demote}, {"remove", p.Remove, tt.remove}} {
				if !slices.Equal(c.got, c.want) {
					t.Errorf("%s = %v, want %v", c.kind, c.got, c.want)
				}
			}
			if !slices.Equal(p.Held, tt.held) {
				t.Errorf("held = %v, want %v", p.Held, tt.held)
			}
			for _, c := range append(slices.Clone(p.Held), p.Awaiting...) {
				if !p.Needed()[c] {
					t.Errorf("Needed() lacks %v", c)
				}
			}
			if !slices.Equal(p.Awaiting, tt.awaiting) {
				t.Errorf("awaiting = %v, want %v", p.Awaiting, tt.awaiting)
			}
			if !slices.Equal(p.Protected, tt.protected) {
				t.Errorf("protected = %v, want %v", p.Protected, tt.protected)
			}
		})
	}
}

// TestComputeThousands diffs large rosters that overlap in part, so that many numbers share
// the planner's hash slots.
func TestComputeThousands(t *testing.T) {
	num := func(i int) roster.Phone { return roster.Phone(fmt.Sprintf("4477%08d", i)) }
	var in Input
	in.Live = group()
	for i := range 3000 {
		if i < 2000 {
			in.Members = append(in.Members, num(i))
		}
		if i >= 1000 {
			role := roster.RoleMember
			if i%2 == 0 {
				role = roster.RoleAdmin
			}
			in.Live.Participants = append(in.Live.Participants, roster.Participant{Phone: num(i), Role: role})
		}
		if i%3 == 0 {
			in.Admins = append(in.Admins, num(i))
		}
	}
	in.Admins = append(in.Admins, self)
	in.RemoveUndeclared, in.DemoteUnlisted = true, true
	var add, promote, demote, remove []roster.Phone
	for i := range 3000 {
		declared, listed, present, isAdmin := i < 2000 || i%3 == 0, i%3 == 0, i >= 1000, i >= 1000 && i%2 == 0
		switch {
		case declared && !present:
			add = append(add, num(i))
		case !declared && present:
			remove = append(remove, num(i))
		case isAdmin && !listed:
			demote = append(demote, num(i))
		}
		if listed && !isAdmin {
			promote = append(promote, num(i))
		}
	}
	p := Compute(in)
	for _, c := range []struct {
		kind      string
		got, want []roster.Phone
	}{{"add", p.Add, add}, {"promote", p.Promote, promote}, {"demote", p.Demote, demote}, {"remove", p.Remove, remove}} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %d numbers, want %d", c.kind, len(c.got), len(c.want))
		}
	}
	// 0-1999, the admins above 1999 (every third of 2001-2999), and self.
	if want := 2000 + 333 + 1; p.Declared != want {
		t.Errorf("declared %d numbers, want %d", p.Declared, want)
	}
}

func TestGuard(t *testing.T) {
	live := group(member(alice), member(bob), member(carol), member(dave)) // 6 participants, 2 admins
	tests := []struct {
		name   string
		plan   Plan
		live   roster.Group
		limits Limits
		want   BlockReason // "" = allowed
	}{
		{name: "nothing to do", plan: Plan{}, live: live, limits: Limits{25, 1}},
		{name: "adds pass", plan: Plan{Add: phones("33600000000")}, live: live, limits: Limits{0, 1}},
		{name: "removals within the limit", plan: Plan{Remove: phones(alice)}, live: live, limits: Limits{25, 1}},
		{name: "removals plus demotions over the limit", plan: Plan{Remove: phones(alice), Demote: phones(self)}, live: live, limits: Limits{25, 1}, want: BlockSafety},
		{name: "maxRemovalPercent 100 allows everything", plan: Plan{Remove: phones(alice, bob, carol, dave)}, live: live, limits: Limits{100, 1}},
		{name: "minAdmins", plan: Plan{Demote: phones(self)}, live: live, limits: Limits{100, 2}, want: BlockSafety},
		{name: "minAdmins with a promotion to compensate", plan: Plan{Promote: phones(alice), Demote: phones(self)}, live: live, limits: Limits{100, 2}},
		{name: "account not an admin", plan: Plan{Add: phones("33600000000")}, live: roster.Group{Participants: []roster.Participant{member(self), {Phone: creator, Role: roster.RoleSuperAdmin}}, Self: self}, limits: Limits{25, 1}, want: BlockNotAdmin},
		{name: "account not in the group", plan: Plan{Add: phones(alice)}, live: roster.Group{Participants: []roster.Participant{{Phone: creator, Role: roster.RoleSuperAdmin}}, Self: self}, limits: Limits{25, 1}, want: BlockNotAdmin},
		{name: "empty roster is unknown", plan: Plan{}, live: roster.Group{Self: self}, limits: Limits{100, 0}, want: BlockRosterUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Guard(tt.plan, tt.live, tt.limits)
			var b *Blocked
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Guard blocked: %v", err)
			case tt.want != "" && (!errors.As(err, &b) || b.Reason != tt.want):
				t.Fatalf("Guard = %v, want %s", err, tt.want)
			case b != nil && !strings.Contains(b.Message, "safety") && b.Reason == BlockSafety:
				t.Fatalf("safety block does not name the setting: %q", b.Message)
			}
		})
	}
}
