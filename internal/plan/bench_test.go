package plan

import (
	"fmt"
	"testing"

	"github.com/wagov/wagov/internal/roster"
)

// BenchmarkCompute1024 plans a full group (1024 participants) against a spec that changes a
// quarter of it: the planner's cost per sync at WhatsApp's size limit.
func BenchmarkCompute1024(b *testing.B) {
	var live []roster.Participant
	var declared, admins []roster.Phone
	for i := range 1024 {
		p := roster.Phone(fmt.Sprintf("3361%07d", i))
		role := roster.RoleMember
		if i%50 == 0 {
			role = roster.RoleAdmin
		}
		live = append(live, roster.Participant{Phone: p, Role: role})
		if i%4 != 0 {
			declared = append(declared, p)
		}
		if i%40 == 0 {
			admins = append(admins, p)
		}
	}
	in := Input{Members: declared, Admins: admins, Live: roster.Group{Participants: live, Self: live[0].Phone},
		RemoveUndeclared: true, DemoteUnlisted: true}
	b.ReportAllocs()
	for b.Loop() {
		p := Compute(in)
		if p.Empty() {
			b.Fatal("empty plan")
		}
	}
}
