// Package plan decides, as pure functions, what one sync changes in a group: Compute diffs the
// declared roster against the live one under the group's policies, and Guard refuses plans that
// are unsafe to apply. It knows nothing of Kubernetes or HTTP.
package plan

import (
	"slices"
	"strings"

	"github.com/wagov/wagov/internal/roster"
)

// Input is everything a plan is computed from.
type Input struct {
	// Members and Admins are the declared roster; admins are members too.
	Members []roster.Phone
	Admins  []roster.Phone
	// Live is the group as the provider returned it.
	Live roster.Group
	// RemoveUndeclared removes members not declared (membershipPolicy Sync).
	RemoveUndeclared bool
	// DemoteUnlisted demotes admins not on the whitelist (adminPolicy Enforce).
	DemoteUnlisted bool
	// Hold are changes not to send now, such as those the provider refused or that did not take
	// effect, which are backing off.
	Hold map[roster.Change]bool
	// InFlight are changes already sent that a lagging read may not show yet; they are
	// awaited, not planned again.
	InFlight []roster.Change
}

// ProtectReason says why a participant is left alone although the policies would change it.
type ProtectReason string

const (
	// ProtectCreator: the group's creator can never be demoted or removed.
	ProtectCreator ProtectReason = "Creator"
	// ProtectSelf: the provider's own account keeps its membership and admin rights.
	ProtectSelf ProtectReason = "ProviderAccount"
	// ProtectUnresolved: the identity could not be resolved to a phone number.
	ProtectUnresolved ProtectReason = "Unresolved"
	// ProtectUnknownSelf: an admin, while the provider does not say which participant is its
	// own account; demoting or removing it might take the account's own rights away.
	ProtectUnknownSelf ProtectReason = "ProviderAccountUnknown"
)

// Protected is a participant the plan leaves alone, and why.
type Protected struct {
	ID     string
	Reason ProtectReason
}

// Plan is the changes of one sync, each list sorted, applied in the order
// Add, Promote, Demote, Remove so that the group never drops below its admins.
type Plan struct {
	Add, Promote, Demote, Remove []roster.Phone
	// Held are needed changes left out because Input.Hold holds them.
	Held []roster.Change
	// Awaiting are needed changes left out because they are in flight.
	Awaiting []roster.Change
	// Protected are participants the policies would change but the plan must not.
	Protected []Protected
	// Declared counts the distinct numbers that members and admins declare together.
	Declared int
}

// Empty reports whether the plan changes nothing.
func (p Plan) Empty() bool { return p.Writes() == 0 }

// Writes counts the member changes in the plan.
func (p Plan) Writes() int { return len(p.Add) + len(p.Promote) + len(p.Demote) + len(p.Remove) }

// Compute diffs the declared roster against the live group.
func Compute(in Input) Plan {
	// The spec's numbers are marked first, so that each participant's standing is whole when it
	// is seen; the declared numbers come last, when every participant has been seen.
	st := newStandings(&in)
	defer st.release()
	var p Plan
	for i := range in.Live.Participants {
		part := &in.Live.Participants[i]
		s := st.seen(i, part)
		undeclared := part.Resolved() && s&declared == 0
		unlisted := part.Role.IsAdmin() && (!part.Resolved() || s&listed == 0)
		remove := in.RemoveUndeclared && (undeclared || !part.Resolved())
		demote := in.DemoteUnlisted && unlisted && !remove
		if !remove && !demote {
			continue
		}
		switch {
		case !part.Resolved():
			p.Protected = append(p.Protected, Protected{ID: part.RawID, Reason: ProtectUnresolved})
		case part.Role == roster.RoleSuperAdmin:
			p.Protected = append(p.Protected, Protected{ID: part.Phone.E164(), Reason: ProtectCreator})
		case part.Phone == in.Live.Self:
			p.Protected = append(p.Protected, Protected{ID: part.Phone.E164(), Reason: ProtectSelf})
		case in.Live.Self == "" && part.Role.IsAdmin():
			p.Protected = append(p.Protected, Protected{ID: part.Phone.E164(), Reason: ProtectUnknownSelf})
		case remove:
			p.Remove = append(p.Remove, part.Phone)
		default:
			p.Demote = append(p.Demote, part.Phone)
		}
	}

	st.eachDeclared(func(m roster.Phone, s standing) {
		p.Declared++
		if s&present == 0 {
			p.Add = append(p.Add, m)
		}
		if s&listed != 0 && (s&present == 0 || s&presentAdmin == 0) {
			p.Promote = append(p.Promote, m)
		}
	})

	for _, l := range [][]roster.Phone{p.Add, p.Promote, p.Demote, p.Remove} {
		slices.Sort(l)
	}
	p.hold(in.Hold)
	p.await(in.InFlight)
	slices.SortFunc(p.Protected, func(a, b Protected) int { return strings.Compare(a.ID, b.ID) })
	return p
}

// Needed returns every change the policies call for: planned, held and awaited.
func (p Plan) Needed() map[roster.Change]bool {
	out := make(map[roster.Change]bool, p.Writes()+len(p.Held)+len(p.Awaiting))
	for _, l := range p.lists() {
		for _, m := range *l.list {
			out[roster.Change{Op: l.op, Member: m}] = true
		}
	}
	for _, c := range p.Held {
		out[c] = true
	}
	for _, c := range p.Awaiting {
		out[c] = true
	}
	return out
}

type opList struct {
	op   roster.Op
	list *[]roster.Phone
}

func (p *Plan) lists() []opList {
	return []opList{{roster.OpAdd, &p.Add}, {roster.OpPromote, &p.Promote}, {roster.OpDemote, &p.Demote}, {roster.OpRemove, &p.Remove}}
}

// hold moves the needed changes that are held from the plan to Held. A held add holds the
// member's promotion too, since it cannot be made before the add.
func (p *Plan) hold(hold map[roster.Change]bool) {
	if len(hold) == 0 {
		return
	}
	heldAdds := map[roster.Phone]bool{}
	for _, l := range p.lists() {
		*l.list = slices.DeleteFunc(*l.list, func(m roster.Phone) bool {
			c := roster.Change{Op: l.op, Member: m}
			if hold[c] || (l.op == roster.OpPromote && heldAdds[m]) {
				p.Held = append(p.Held, c)
				if l.op == roster.OpAdd {
					heldAdds[m] = true
				}
				return true
			}
			return false
		})
	}
}

// await moves the needed changes that are in flight from the plan to Awaiting.
func (p *Plan) await(inFlight []roster.Change) {
	if len(inFlight) == 0 {
		return
	}
	sent := make(map[roster.Change]bool, len(inFlight))
	for _, c := range inFlight {
		sent[c] = true
	}
	for _, l := range p.lists() {
		*l.list = slices.DeleteFunc(*l.list, func(m roster.Phone) bool {
			c := roster.Change{Op: l.op, Member: m}
			if sent[c] {
				p.Awaiting = append(p.Awaiting, c)
				return true
			}
			return false
		})
	}
}

func set(ps []roster.Phone) map[roster.Phone]bool {
	m := make(map[roster.Phone]bool, len(ps))
	for _, p := range ps {
		m[p] = true
	}
	return m
}
