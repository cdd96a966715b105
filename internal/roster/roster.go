// Package roster holds the provider-neutral view of a WhatsApp group: who is in it, in which
// role, keyed by phone number; and the normalisation of every provider's identity forms into
// that key.
package roster

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Phone is a phone number as E.164 digits, without the plus: "447700176576".
type Phone string

// E164 returns the number in E.164 form, "+447700176576".
func (p Phone) E164() string { return "+" + string(p) }

// JID returns the number as a WhatsApp user JID on the given server ("c.us" or "s.whatsapp.net").
func (p Phone) JID(server string) string { return string(p) + "@" + server }

// ErrUnresolved is returned by Normalize for an identity that names no phone number, such as a
// bare @lid JID.
var ErrUnresolved = errors.New("identity does not name a phone number")

// Normalize turns any provider form of a user's identity into its phone number: "+E164",
// bare digits, "digits@c.us", "digits@s.whatsapp.net" (with an optional ":device" suffix).
// An "@lid" JID names no phone number and yields ErrUnresolved; resolve it through the
// provider and normalise the phone attribute instead.
func Normalize(id string) (Phone, error) {
	s := strings.TrimSpace(id)
	user, server, hasServer := strings.Cut(s, "@")
	if hasServer {
		switch server {
		case "c.us", "s.whatsapp.net":
		case "lid":
			return "", fmt.Errorf("%q: %w", id, ErrUnresolved)
		default:
			return "", fmt.Errorf("%q: unknown WhatsApp server %q", id, server)
		}
		user, _, _ = strings.Cut(user, ":") // multi-device suffix
	} else {
		user = strings.TrimPrefix(s, "+")
	}
	if len(user) < 8 || len(user) > 15 || user[0] == '0' {
		return "", fmt.Errorf("%q: not a phone number of 8 to 15 digits", id)
	}
	for _, r := range user {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("%q: not a phone number of 8 to 15 digits", id)
		}
	}
	return Phone(user), nil
}

// Identify resolves a participant's identity as providers give it: the JID (or number) itself,
// or, when that is an @lid JID, the separate phone attribute that LID-addressed groups carry
// (whatsmeow's PhoneNumber, Baileys' phoneNumber, WAHA's pn). It returns ErrUnresolved when a
// LID comes without a usable phone attribute.
func Identify(id, phone string) (Phone, error) {
	p, err := Normalize(id)
	if err == nil || !errors.Is(err, ErrUnresolved) {
		return p, err
	}
	if strings.TrimSpace(phone) == "" {
		return "", err
	}
	if p, perr := Normalize(phone); perr == nil {
		return p, nil
	}
	return "", fmt.Errorf("%q with phone attribute %q: %w", id, phone, ErrUnresolved)
}

// MustNormalize is Normalize for inputs already validated, such as spec fields checked at
// admission. It panics on a bad input.
func MustNormalize(id string) Phone {
	p, err := Normalize(id)
	if err != nil {
		panic(err)
	}
	return p
}

// Role is a participant's standing in a group.
type Role string

const (
	// RoleMember is a plain participant.
	RoleMember Role = "member"
	// RoleAdmin is an admin who is not the creator.
	RoleAdmin Role = "admin"
	// RoleSuperAdmin is the group's creator: always an admin, never removable or demotable.
	RoleSuperAdmin Role = "superadmin"
)

// RoleOf is the role that a provider's two admin flags describe.
func RoleOf(isAdmin, isSuperAdmin bool) Role {
	switch {
	case isSuperAdmin:
		return RoleSuperAdmin
	case isAdmin:
		return RoleAdmin
	}
	return RoleMember
}

// IsAdmin reports whether the role carries admin rights.
func (r Role) IsAdmin() bool { return r == RoleAdmin || r == RoleSuperAdmin }

// Participant is one member of a live group.
type Participant struct {
	// Phone is the member's number; empty when the provider gave only an identity that could not
	// be resolved to a number.
	Phone Phone
	// RawID is the identity as the provider gave it, kept for unresolved members and messages.
	RawID string
	// Role is the member's standing.
	Role Role
}

// Resolved reports whether the participant's phone number is known.
func (p Participant) Resolved() bool { return p.Phone != "" }

// Group is a live group as one read returned it.
type Group struct {
	// ID is the provider's id of the group.
	ID string
	// Name is the group's subject, when the provider gives it.
	Name string
	// Participants are the members, in the provider's order.
	Participants []Participant
	// Self is the provider account's own number, when the provider tells it; it is never
	// demoted or removed, and must be an admin for any write.
	Self Phone
}

// Index returns the resolved participants keyed by phone number.
func (g Group) Index() map[Phone]Participant {
	m := make(map[Phone]Participant, len(g.Participants))
	for _, p := range g.Participants {
		if p.Resolved() {
			m[p.Phone] = p
		}
	}
	return m
}

// Recognise returns the group with each participant whose number is equivalent to a declared
// one under canon (a provider's rewrite of numbers, such as Evolution's country rules) carrying
// the declared number instead, so that the two forms of one person never look like two people.
// A nil canon, or a group where nothing is rewritten, returns g itself; g is never changed.
func (g Group) Recognise(declared []Phone, canon func(Phone) Phone) Group {
	if canon == nil {
		return g
	}
	// Where several declared numbers are equivalent, the last one declared is the one kept.
	// Two numbers that canon leaves as they are are equivalent only when equal, so a
	// participant that canon leaves needs only the declared numbers under a form canon
	// rewrites (and the numbers declared after one of them in its canonical form); the map of
	// every declared number is built only for a participant that canon rewrites.
	rewritten := map[Phone]Phone{}
	for _, d := range declared {
		c := canon(d)
		if _, seen := rewritten[c]; c != d || seen {
			rewritten[c] = d
		}
	}
	var all map[Phone]Phone
	declaredAs := func(p Phone) (Phone, bool) {
		c := canon(p)
		if c == p {
			d, ok := rewritten[p]
			return d, ok && d != p
		}
		if all == nil {
			all = make(map[Phone]Phone, len(declared))
			for _, d := range declared {
				all[canon(d)] = d
			}
		}
		d, ok := all[c]
		return d, ok && d != p
	}
	out := g
	for i, p := range g.Participants {
		if !p.Resolved() {
			continue
		}
		if d, ok := declaredAs(p.Phone); ok {
			if &out.Participants[0] == &g.Participants[0] {
				out.Participants = slices.Clone(g.Participants)
			}
			out.Participants[i].Phone = d
		}
	}
	if d, ok := declaredAs(g.Self); ok && g.Self != "" {
		out.Self = d
	}
	return out
}

// Admins counts the participants with admin rights, resolved or not.
func (g Group) Admins() int {
	n := 0
	for _, p := range g.Participants {
		if p.Role.IsAdmin() {
			n++
		}
	}
	return n
}

// Op is a kind of change to a group's participants.
type Op string

// The kinds of change, in the order a sync applies them so that the group never drops below
// its admins.
const (
	OpAdd     Op = "Add"
	OpPromote Op = "Promote"
	OpDemote  Op = "Demote"
	OpRemove  Op = "Remove"
)

// Change is one change to one member.
type Change struct {
	Op     Op
	Member Phone
}
