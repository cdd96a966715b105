// Package simtest holds helpers for tests that run the simulator in-process: a clock that
// moves when told, the simulator served over HTTP for one test, the requests sent to it and
// the checks of its answers and its groups.
package simtest

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told, for sim.WithClock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
