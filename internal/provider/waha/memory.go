// memory.go owns what a client learns of its session and keeps for its lifetime (the
// controller keeps one client per provider): the session's own number, read once; the numbers
// the LID store resolved; and, per group, the LID by which the last read listed each member,
// so that a remove, promote or demote names that member as the group addresses them.

package waha

import (
	"sync"

	"github.com/wagov/wagov/internal/roster"
)

// memory is a client's state; its methods are safe for concurrent use.
type memory struct {
	mu  sync.Mutex
	own roster.Phone
	// numbers are the LID store's answers: LID → number.
	numbers map[string]roster.Phone
	// lids are, per group, the LIDs of the last read.
	lids roster.LIDBook
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
