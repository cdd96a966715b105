// world.go owns the simulated WhatsApp state (accounts, people, groups and their versions over
// time) and WhatsApp's rules for changing a group's participants. Nothing here knows a
// provider's wire format.

package sim

import (
	"errors"
	"slices"
	"time"

	"golang.org/x/time/rate"

	"github.com/wagov/wagov/internal/roster"
)

// Sentinel errors of group writes, for dialects to map onto their own status codes.
var (
	// ErrGroupNotFound means no group has the given id.
	ErrGroupNotFound = errors.New("group not found")
	// ErrNotAdmin means the acting number is not an admin (or not a participant) of the group.
	ErrNotAdmin = errors.New("acting number is not an admin of the group")
)

// Per-member outcomes of an add, as WhatsApp reports them (providers.md §1.4).
const (
	// AddOK: the number was added as a member.
	AddOK = 200
	// AddPrivacy: the user's privacy settings forbid the add; an invite was sent instead.
	AddPrivacy = 403
	// AddNotOnWhatsApp: the number is not registered on WhatsApp.
	AddNotOnWhatsApp = 404
	// AddRecentlyLeft: the user left the group lately and cannot be re-added yet.
	AddRecentlyLeft = 408
	// AddAlreadyMember: the number is already a participant.
	AddAlreadyMember = 409
	// AddGroupFull: the group is at its size limit.
	AddGroupFull = 419
)

// GroupState is a group as seen at one moment.
type GroupState struct {
	// ID is the provider's id of the group.
	ID string `json:"id"`
	// JID is the WhatsApp group JID.
	JID string `json:"jid"`
	// Name is the group's subject.
	Name string `json:"name"`
	// Participants are the members, in the order they joined.
	Participants []MemberState `json:"participants"`
}

// MemberState is one participant of a GroupState.
type MemberState struct {
	// Phone is the participant's number, "+E164".
	Phone string `json:"phone"`
	// LID is the participant's hidden id, "<digits>@lid", when the seed gives one.
	LID string `json:"lid,omitempty"`
	// Role is member, admin or superadmin.
	Role string `json:"role"`
}

// account is a seed account with its numbers parsed and its token bucket.
type account struct {
	Account
	phones  []roster.Phone
	limiter *rate.Limiter // nil: unlimited
}

type member struct {
	phone roster.Phone
	role  roster.Role
}

// version is a group's participant list from a moment on.
type version struct {
	at      time.Time
	members []member
}

type group struct {
	id, jid, name string
	maxSize       int
	recentlyLeft  map[roster.Phone]bool
	// versions are oldest first: the last is the truth, the first the oldest a lagged read
	// can still see.
	versions []version
}

// world is everything one seed describes.
type world struct {
	accounts map[string]*account // by API key
	people   map[roster.Phone]Person
	groups   map[string]*group
	order    []string // group ids in seed order, then creation order
}

func (g *group) truth() []member { return g.versions[len(g.versions)-1].members }

// seen returns the participants as of cutoff, dropping versions no read can see any more.
func (g *group) seen(cutoff time.Time) []member {
	g.settle(cutoff)
	return g.versions[0].members
}

// settle drops the versions superseded by a later one that is already visible at cutoff.
func (g *group) settle(cutoff time.Time) {
	i := 0
	for j := 1; j < len(g.versions) && !g.versions[j].at.After(cutoff); j++ {
		i = j
	}
	g.versions = slices.Delete(g.versions, 0, i)
}

func indexOf(ms []member, p roster.Phone) int {
	return slices.IndexFunc(ms, func(m member) bool { return m.phone == p })
}

func (w *world) state(g *group, ms []member) GroupState {
	st := GroupState{ID: g.id, JID: g.jid, Name: g.name, Participants: make([]MemberState, len(ms))}
	for i, m := range ms {
		st.Participants[i] = MemberState{Phone: m.phone.E164(), LID: w.people[m.phone].LID, Role: string(m.role)}
	}
	return st
}

// write checks that actor may change group id, applies change to a copy of the truth, and
// records the result as a new version at time at.
func (w *world) write(id string, actor roster.Phone, at, cutoff time.Time, change func(*group, []member) []member) error {
	g, ok := w.groups[id]
	if !ok {
		return ErrGroupNotFound
	}
	cur := g.truth()
	if i := indexOf(cur, actor); i < 0 || !cur[i].role.IsAdmin() {
		return ErrNotAdmin
	}
	next := change(g, slices.Clone(cur))
	if !slices.Equal(cur, next) {
		g.versions = append(g.versions, version{at: at, members: next})
	}
	g.settle(cutoff)
	return nil
}

// add adds each number in turn and returns the per-member Add* codes.
func (w *world) add(id string, actor roster.Phone, phones []roster.Phone, at, cutoff time.Time) ([]int, error) {
	codes := make([]int, len(phones))
	err := w.write(id, actor, at, cutoff, func(g *group, ms []member) []member {
		for i, p := range phones {
			ms, codes[i] = w.addOne(g, ms, p)
		}
		return ms
	})
	return codes, err
}

func (w *world) addOne(g *group, ms []member, p roster.Phone) ([]member, int) {
	switch {
	case indexOf(ms, p) >= 0:
		return ms, AddAlreadyMember
	case w.people[p].Unregistered:
		return ms, AddNotOnWhatsApp
	case w.people[p].Privacy:
		return ms, AddPrivacy
	case g.recentlyLeft[p]:
		return ms, AddRecentlyLeft
	case len(ms) >= g.maxSize:
		return ms, AddGroupFull
	}
	return append(ms, member{phone: p, role: roster.RoleMember}), AddOK
}

// changeRule applies one remove, promote or demote to the participant at index i (-1: not a
// participant) and reports whether WhatsApp accepts it.
type changeRule func(ms []member, i int) ([]member, bool)

var changeRules = map[string]changeRule{
	OpRemove: func(ms []member, i int) ([]member, bool) {
		if i < 0 || ms[i].role == roster.RoleSuperAdmin {
			return ms, false
		}
		return slices.Delete(ms, i, i+1), true
	},
	OpPromote: func(ms []member, i int) ([]member, bool) {
		if i < 0 {
			return ms, false
		}
		if !ms[i].role.IsAdmin() {
			ms[i].role = roster.RoleAdmin
		}
		return ms, true
	},
	OpDemote: func(ms []member, i int) ([]member, bool) {
		if i < 0 || ms[i].role == roster.RoleSuperAdmin {
			return ms, false
		}
		ms[i].role = roster.RoleMember
		return ms, true
	},
}

// change applies a remove, promote or demote to each number in turn and reports which were
// accepted.
func (w *world) change(op, id string, actor roster.Phone, phones []roster.Phone, at, cutoff time.Time) ([]bool, error) {
	rule := changeRules[op]
	accepted := make([]bool, len(phones))
	err := w.write(id, actor, at, cutoff, func(_ *group, ms []member) []member {
		for i, p := range phones {
			ms, accepted[i] = rule(ms, indexOf(ms, p))
		}
		return ms
	})
	return accepted, err
}
