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
	sent   map[roster.Change]sentChange
	checks int // consecutive syncs that found changes still awaited
}

// sentChange is one change sent, when, and whether its outcome was already reported (events,
// metrics) because the provider said it was applied.
type sentChange struct {
	roster.Change
	at       time.Time
	reported bool
}

// take returns the group's changes sent less than lag ago (active), and forgets and returns
// the older ones (expired): a change that a read still does not show after the lag was not
// made, whatever the provider answered.
func (f *inFlight) take(key types.NamespacedName, now time.Time, lag time.Duration) (active []roster.Change, expired []sentChange) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.groups[key]
	if g == nil {
		return nil, nil
	}
	for c, sc := range g.sent {
		if now.Sub(sc.at) < lag {
			active = append(active, c)
		} else {
			expired = append(expired, sc)
			delete(g.sent, c)
		}
	}
	return active, expired
}

// record remembers changes sent now; reported says whether their outcome was already reported.
func (f *inFlight) record(key types.NamespacedName, now time.Time, changes []roster.Change, reported bool) {
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
		g = &groupFlight{sent: map[roster.Change]sentChange{}}
		f.groups[key] = g
	}
	for _, c := range changes {
		g.sent[c] = sentChange{Change: c, at: now, reported: reported}
	}
	g.checks = 0
}

// settle keeps only the changes still awaited, returns the ones it drops (a read shows them, or
// the spec no longer wants them) and how many syncs in a row have awaited some; with none
// awaited it forgets the group.
func (f *inFlight) settle(key types.NamespacedName, awaiting []roster.Change) (dropped []sentChange, checks int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.groups[key]
	if g == nil {
		return nil, 0
	}
	keep := make(map[roster.Change]bool, len(awaiting))
	for _, c := range awaiting {
		keep[c] = true
	}
	for c, sc := range g.sent {
		if !keep[c] {
			dropped = append(dropped, sc)
			delete(g.sent, c)
		}
	}
	if len(g.sent) == 0 {
		delete(f.groups, key)
		return dropped, 0
	}
	g.checks++
	return dropped, g.checks
}

// forget drops a deleted group.
func (f *inFlight) forget(key types.NamespacedName) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.groups, key)
}
