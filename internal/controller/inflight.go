package controller

// This file owns the memory of changes just sent. Some providers' reads trail their writes
// (2Chat: minutes), so a read right after a write may not show it; a change sent within the
// provider's read lag is awaited instead of being planned and sent again. The memory is in
// process only: after a restart the worst case is one idempotent resend.

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/wagov/wagov/internal/roster"
)

type inFlight struct {
	mu     sync.Mutex
	groups map[types.NamespacedName]*groupFlight
}

type groupFlight struct {
	sent   map[roster.Change]time.Time
	checks int // consecutive syncs that found changes still awaited
}

// take returns the group's changes sent less than lag ago (active), and forgets and returns
// the older ones (expired): a change that a read still does not show after the lag was not
// made, whatever the provider answered.
func (f *inFlight) take(key types.NamespacedName, now time.Time, lag time.Duration) (active, expired []roster.Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.groups[key]
	if g == nil {
		return nil, nil
	}
	for c, at := range g.sent {
		if now.Sub(at) < lag {
			active = append(active, c)
		} else {
			expired = append(expired, c)
			delete(g.sent, c)
		}
	}
	return active, expired
}

// record remembers changes sent now.
func (f *inFlight) record(key types.NamespacedName, now time.Time, changes []roster.Change) {
	if len(changes) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.groups == nil {
		f.groups = map[types.NamespacedName]*groupFlight{}
	}
	g := f.groups[key]
	if g == nil {
		g = &groupFlight{sent: map[roster.Change]time.Time{}}
		f.groups[key] = g
	}
	for _, c := range changes {
		g.sent[c] = now
	}
	g.checks = 0
}

// settle keeps only the changes still awaited and returns how many syncs in a row have awaited
// some; with none awaited it forgets the group.
func (f *inFlight) settle(key types.NamespacedName, awaiting []roster.Change) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.groups[key]
	if g == nil {
		return 0
	}
	if len(awaiting) == 0 {
		delete(f.groups, key)
		return 0
	}
	keep := make(map[roster.Change]bool, len(awaiting))
	for _, c := range awaiting {
		keep[c] = true
	}
	for c := range g.sent {
		if !keep[c] {
			delete(g.sent, c)
		}
	}
	g.checks++
	return g.checks
}

// forget drops a deleted group.
func (f *inFlight) forget(key types.NamespacedName) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.groups, key)
}
