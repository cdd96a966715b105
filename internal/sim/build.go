// build.go validates a Seed and turns it into a world, reporting every problem at once with
// the place in the seed it comes from. Errors never quote a credential.

package sim

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/wagov/wagov/internal/roster"
)

// problems collects validation errors.
type problems []error

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Errorf(format, args...)) }

// phone normalises an E.164 number from the seed, recording a problem when it is not one.
func (p *problems) phone(where, s string) (roster.Phone, bool) {
	ph, err := roster.Normalize(s)
	if err != nil || !strings.HasPrefix(strings.TrimSpace(s), "+") {
		p.addf("%s: %q is not an E.164 number such as +447700900001", where, s)
		return "", false
	}
	return ph, true
}

// build validates seed and returns the world it describes.
func build(seed Seed) (*world, error) {
	var p problems
	w := &world{
		accounts: map[string]*account{},
		people:   map[roster.Phone]Person{},
		groups:   map[string]*group{},
	}
	p.accounts(w, seed.Accounts)
	p.people(w, seed.People)
	for i, sg := range seed.Groups {
		p.group(w, fmt.Sprintf("groups[%d]", i), sg)
	}
	if len(p) > 0 {
		return nil, fmt.Errorf("invalid seed: %w", errors.Join(p...))
	}
	return w, nil
}

func (p *problems) accounts(w *world, accounts []Account) {
	names := map[string]int{}
	keys := map[string]int{}
	for i, a := range accounts {
		where := fmt.Sprintf("accounts[%d]", i)
		if a.Name == "" {
			p.addf("%s.name: required", where)
		} else if j, dup := names[a.Name]; dup {
			p.addf("%s.name: %q is also the name of accounts[%d]", where, a.Name, j)
		}
		names[a.Name] = i
		if a.APIKey == "" {
			p.addf("%s.apiKey: required", where)
		} else if j, dup := keys[a.APIKey]; dup {
			p.addf("%s.apiKey: same key as accounts[%d]", where, j)
		}
		keys[a.APIKey] = i
		if _, ok := dialectFor(a.Type); !ok {
			p.addf("%s.type: %q has no dialect; known types: %s", where, a.Type, knownTypes())
		}
		acct := &account{Account: a}
		for j, n := range a.Numbers {
			if ph, ok := p.phone(fmt.Sprintf("%s.numbers[%d]", where, j), n); ok {
				acct.phones = append(acct.phones, ph)
			}
		}
		acct.limiter = p.limiter(where+".rateLimit", a.RateLimit)
		w.accounts[a.APIKey] = acct
	}
}

func (p *problems) limiter(where string, rl *RateLimit) *rate.Limiter {
	if rl == nil {
		return nil
	}
	if rl.RequestsPerMinute <= 0 || rl.Burst < 0 {
		p.addf("%s: requestsPerMinute must be positive and burst not negative", where)
		return nil
	}
	return rate.NewLimiter(rate.Every(time.Duration(float64(time.Minute)/rl.RequestsPerMinute)), max(rl.Burst, 1))
}

func (p *problems) people(w *world, people []Person) {
	for i, pe := range people {
		where := fmt.Sprintf("people[%d]", i)
		ph, ok := p.phone(where+".phone", pe.Phone)
		if !ok {
			continue
		}
		if _, dup := w.people[ph]; dup {
			p.addf("%s.phone: %s is listed twice", where, pe.Phone)
		}
		if pe.LID != "" && !strings.HasSuffix(pe.LID, "@lid") {
			p.addf("%s.lid: %q does not end in @lid", where, pe.LID)
		}
		w.people[ph] = pe
	}
}

func (p *problems) group(w *world, where string, sg SeedGroup) {
	g := &group{id: sg.ID, jid: sg.JID, name: sg.Name, addressing: sg.Addressing, maxSize: sg.MaxSize, recentlyLeft: map[roster.Phone]bool{}}
	switch g.addressing {
	case "":
		g.addressing = "pn"
	case "pn", "lid":
	default:
		p.addf("%s.addressing: %q is not pn or lid", where, sg.Addressing)
	}
	if g.jid == "" && strings.HasSuffix(g.id, "@g.us") {
		g.jid = g.id
	}
	switch {
	case sg.ID == "":
		p.addf("%s.id: required", where)
	case w.groups[sg.ID] != nil:
		p.addf("%s.id: %q is listed twice", where, sg.ID)
	}
	if !strings.HasSuffix(g.jid, "@g.us") {
		p.addf("%s.jid: %q is not a group JID ending in @g.us", where, g.jid)
	}
	if g.maxSize == 0 {
		g.maxSize = DefaultMaxSize
	}
	if sg.MaxSize < 0 {
		p.addf("%s.maxSize: must not be negative", where)
	} else if len(sg.Participants) > g.maxSize {
		p.addf("%s: %d participants do not fit maxSize %d", where, len(sg.Participants), g.maxSize)
	}
	g.versions = []version{{members: p.members(w, where, sg.Participants)}}
	for i, s := range sg.RecentlyLeft {
		ph, ok := p.phone(fmt.Sprintf("%s.recentlyLeft[%d]", where, i), s)
		if ok && indexOf(g.truth(), ph) >= 0 {
			p.addf("%s.recentlyLeft[%d]: %s is a participant", where, i, s)
		}
		g.recentlyLeft[ph] = true
	}
	w.groups[g.id] = g
	w.order = append(w.order, g.id)
}

func (p *problems) members(w *world, where string, seeds []SeedMember) []member {
	ms := make([]member, 0, len(seeds))
	creators := 0
	for i, sm := range seeds {
		at := fmt.Sprintf("%s.participants[%d]", where, i)
		ph, ok := p.phone(at+".phone", sm.Phone)
		if !ok {
			continue
		}
		role := roster.Role(sm.Role)
		switch role {
		case "":
			role = roster.RoleMember
		case roster.RoleMember, roster.RoleAdmin:
		case roster.RoleSuperAdmin:
			if creators++; creators == 2 {
				p.addf("%s.role: a group has at most one superadmin", at)
			}
		default:
			p.addf("%s.role: %q is not member, admin or superadmin", at, sm.Role)
		}
		if indexOf(ms, ph) >= 0 {
			p.addf("%s.phone: %s is listed twice", at, sm.Phone)
		}
		if w.people[ph].Unregistered {
			p.addf("%s.phone: %s is not on WhatsApp (people lists it unregistered)", at, sm.Phone)
		}
		ms = append(ms, member{phone: ph, role: role})
	}
	return ms
}
