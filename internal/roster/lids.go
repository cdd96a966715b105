package roster

import (
	"strings"
	"sync"
)

// LIDBook keeps, per group, the hidden id (@lid) by which the last read listed each member, so
// that a client writes to a member in the form the group addresses them: in LID-addressed
// groups several engines drop a promote, demote or remove that names a member by number
// (providers.md §12). Members are keyed by Canonical, so either form of a rewritten number finds
// the member. A LIDBook is safe for concurrent use; its zero value is ready.
type LIDBook struct {
	mu     sync.Mutex
	groups map[string]map[Phone]string
}

// Learn replaces what the book knows of group with what a read of it listed.
func (b *LIDBook) Learn(group string, g Group) {
	byNumber := map[Phone]string{}
	for _, p := range g.Participants {
		if p.Resolved() && strings.HasSuffix(p.RawID, "@lid") {
			byNumber[Canonical(p.Phone)] = p.RawID
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(byNumber) == 0 {
		delete(b.groups, group)
		return
	}
	if b.groups == nil {
		b.groups = map[string]map[Phone]string{}
	}
	b.groups[group] = byNumber
}

// LID returns the LID by which the last read of group listed p.
func (b *LIDBook) LID(group string, p Phone) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	lid, ok := b.groups[group][Canonical(p)]
	return lid, ok
}
