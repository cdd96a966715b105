package plan

import (
	"fmt"

	"github.com/wagov/wagov/internal/roster"
)

// BlockReason says which guard refused a plan.
type BlockReason string

const (
	// BlockSafety: maxRemovalPercent or minAdmins.
	BlockSafety BlockReason = "SafetyGuard"
	// BlockNotAdmin: the provider's account is not an admin of the group, so no write may go.
	BlockNotAdmin BlockReason = "NotGroupAdmin"
	// BlockRosterUnknown: the read returned nobody, which means "unknown", not "everyone left".
	BlockRosterUnknown BlockReason = "RosterUnknown"
)

// Blocked is the error Guard returns for a plan that must not be applied.
type Blocked struct {
	Reason  BlockReason
	Message string
}

func (b *Blocked) Error() string { return string(b.Reason) + ": " + b.Message }

// Limits are the group's safety settings.
type Limits struct {
	// MaxRemovalPercent bounds removals plus demotions as a share of current members.
	MaxRemovalPercent int
	// MinAdmins is the fewest admins a plan may leave.
	MinAdmins int
}

// Guard returns a *Blocked when the plan must not be applied to the live group, or nil.
// A plan with no writes passes every guard except the unknown roster.
func Guard(p Plan, live roster.Group, lim Limits) error {
	present := len(live.Participants)
	if present == 0 {
		return &Blocked{BlockRosterUnknown, "the provider returned an empty participant list; wagov treats it as unknown and changes nothing"}
	}
	if p.Empty() {
		return nil
	}
	if live.Self != "" {
		if role, in := roleOf(live, live.Self); !in || !role.IsAdmin() {
			return &Blocked{BlockNotAdmin, fmt.Sprintf("the provider account %s is not an admin of this group; make it an admin in WhatsApp", live.Self.E164())}
		}
	}
	taken := len(p.Remove) + len(p.Demote)
	if taken > 0 && taken*100 > lim.MaxRemovalPercent*present {
		return &Blocked{BlockSafety, fmt.Sprintf("the plan removes or demotes %d of %d members (%d%%), over safety.maxRemovalPercent %d%%; raise the limit or apply the change in steps",
			taken, present, taken*100/present, lim.MaxRemovalPercent)}
	}
	if after := adminsAfter(p, live); after < lim.MinAdmins && after < live.Admins() {
		return &Blocked{BlockSafety, fmt.Sprintf("the plan would leave %d admins, under safety.minAdmins %d", after, lim.MinAdmins)}
	}
	return nil
}

func adminsAfter(p Plan, live roster.Group) int {
	removed := set(p.Remove)
	wasAdmin := make(map[roster.Phone]bool, len(removed))
	for _, part := range live.Participants {
		if part.Resolved() && removed[part.Phone] {
			wasAdmin[part.Phone] = part.Role.IsAdmin()
		}
	}
	n := live.Admins() + len(p.Promote) - len(p.Demote)
	for _, m := range p.Remove {
		if wasAdmin[m] {
			n--
		}
	}
	return n
}

// roleOf returns the role of the participant with number p (the last one, if it repeats), and
// whether there is one.
func roleOf(live roster.Group, p roster.Phone) (role roster.Role, in bool) {
	for _, part := range live.Participants {
		if part.Resolved() && part.Phone == p {
			role, in = part.Role, true
		}
	}
	return role, in
}
