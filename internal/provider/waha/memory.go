// memory.go owns what a client learns of its session and keeps for its lifetime (the
// controller keeps one client per provider): the session's own number, read once; the numbers
// the LID store resolved; and, per group, the LID by which the last read listed each member,
// so that a remove, promote or demote names that member as the group addresses them.

package waha

import (
	"strings"
	"sync"

	"github.com/wagov/wagov/internal/roster"
)

// memory is a client's state; its methods are safe for concurrent use.
type memory struct {
	mu  sync.Mutex
	own roster.Phone
	// numbers are the LID store's answers: LID → number.
	numbers map[string]roster.Phone
	// lids are, per group, the LIDs of the last read, by the canonical form of each member's
	// number, so that either form of a rewritten number finds the member.
	lids map[string]map[roster.Phone]string
}

func (m *memory) ownNumber() roster.Phone {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.own
}

func (m *memory) setOwnNumber(p roster.Phone) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.own = p
}

// numberOf returns the number the LID store gave for lid.
func (m *memory) numberOf(lid string) (roster.Phone, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.numbers[lid]
	return p, ok
}

// learnNumbers keeps the LID store's answers.
func (m *memory) learnNumbers(found map[string]roster.Phone) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.numbers == nil {
		m.numbers = map[string]roster.Phone{}
	}
	for lid, p := range found {
		m.numbers[lid] = p
	}
}

// rememberLIDs replaces what the client knows of group's addressing with what a read of it listed.
func (m *memory) rememberLIDs(group string, parts []roster.Participant) {
	byNumber := map[roster.Phone]string{}
	for _, p := range parts {
		if p.Resolved() && strings.HasSuffix(p.RawID, "@lid") {
			byNumber[roster.Canonical(p.Phone)] = p.RawID
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case len(byNumber) == 0:
		delete(m.lids, group)
	case m.lids == nil:
		m.lids = map[string]map[roster.Phone]string{group: byNumber}
	default:
		m.lids[group] = byNumber
	}
}

// lidIn returns the LID by which the last read of group listed p.
func (m *memory) lidIn(group string, p roster.Phone) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	lid, ok := m.lids[group][roster.Canonical(p)]
	return lid, ok
}
