// world.go owns the simulated WhatsApp state (accounts, people, groups and their versions over
// time) and WhatsApp's rules for changing a group's participants. Nothing here knows a
// provider's wire format.

package sim

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
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
	// Addressing is "pn" or "lid"; see SeedGroup.Addressing.
	Addressing string `json:"addressing"`
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
	addressing    string
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

// lookup finds a group by its provider id or its JID.
func (w *world) lookup(key string) (*group, bool) {
	if g, ok := w.groups[key]; ok {
		return g, true
	}
	for _, g := range w.groups {
		if g.jid == key {
			return g, true
		}
	}
	return nil, false
}

// lidOf returns the person's LID, "" when the seed gives none.
func (w *world) lidOf(p roster.Phone) string { return w.people[p].LID }

// phoneOfLID resolves a LID to the person's number.
func (w *world) phoneOfLID(lid string) (roster.Phone, bool) {
	for p, pe := range w.people {
		if pe.LID == lid {
			return p, true
		}
	}
	return "", false
}

// merge adds other's accounts, people and groups to w, refusing any that w already has.
func (w *world) merge(other *world) error {
	var dups []error
	for key, a := range other.accounts {
		if _, dup := w.accounts[key]; dup {
			dups = append(dups, fmt.Errorf("account %q: its API key is already in use", a.Name))
		}
		for _, b := range w.accounts {
			if b.Name == a.Name {
				dups = append(dups, fmt.Errorf("account %q already exists", a.Name))
			}
		}
	}
	for p := range other.people {
		if _, dup := w.people[p]; dup {
			dups = append(dups, fmt.Errorf("person %s already exists", p.E164()))
		}
	}
	for _, id := range other.order {
		if _, dup := w.lookup(id); dup {
			dups = append(dups, fmt.Errorf("group %q already exists", id))
		}
	}
	if len(dups) > 0 {
		return fmt.Errorf("cannot add to the world: %w", errors.Join(dups...))
	}
	maps.Copy(w.accounts, other.accounts)
	maps.Copy(w.people, other.people)
	maps.Copy(w.groups, other.groups)
	w.order = append(w.order, other.order...)
	return nil
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
	return slices.IndexFunc(ms, func(m member) bool { return whatsAppKey(m.phone) == whatsAppKey(p) })
}

// SameUser reports whether WhatsApp files two numbers under one user (see whatsAppKey), for
// dialects that compare the numbers of a request with the group's.
func SameUser(a, b roster.Phone) bool { return whatsAppKey(a) == whatsAppKey(b) }

// whatsAppKey is the number WhatsApp files a user under: it knows Brazilian mobiles with and
// without the ninth digit (55 DD 9 XXXX-XXXX and 55 DD XXXX-XXXX), and Mexican and Argentinian
// mobiles with and without their mobile prefix (52 1 …, 54 9 …), as one user, so a write naming
// either form reaches the member listed in the other.
func whatsAppKey(p roster.Phone) roster.Phone {
	n := string(p)
	if len(n) != 13 {
		return p
	}
	switch {
	case strings.HasPrefix(n, "521"), strings.HasPrefix(n, "549"):
		return roster.Phone(n[:2] + n[3:])
	case strings.HasPrefix(n, "55") && n[4] == '9' && n[5] >= '6':
		return roster.Phone(n[:4] + n[5:])
	}
	return p
}

func (w *world) state(g *group, ms []member) GroupState {
	st := GroupState{ID: g.id, JID: g.jid, Name: g.name, Addressing: g.addressing, Participants: make([]MemberState, len(ms))}
	for i, m := range ms {
		st.Participants[i] = MemberState{Phone: m.phone.E164(), LID: w.people[m.phone].LID, Role: string(m.role)}
	}
	return st
}

// write checks that actor may change group id, applies change to a copy of the truth, and
// records the result as a new version at time at.
func (w *world) write(id string, actor roster.Phone, at, cutoff time.Time, change func(*group, []member) []member) error {
	g, ok := w.lookup(id)
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
