// Package sim is wagov-sim: an in-memory WhatsApp world (accounts, groups, participants with
// roles, privacy settings, recently-left numbers, size limits, phone↔LID mapping) served
// through each provider type's HTTP dialect, with a call log, injectable faults, per-account
// rate limits, read lag and a control API under /_sim/.
//
// Dialects live in subpackages that register themselves when imported; import the ones you
// need, for example
//
//	import _ "github.com/wagov/wagov/internal/sim/twochat"
//
// New refuses a seed whose account type has no registered dialect.
package sim

import (
	"net/http"
	"sync"
	"time"
)

// Sim is a simulated WhatsApp world and the HTTP handler that serves it. It is safe for
// concurrent use.
type Sim struct {
	now     func() time.Time
	handler http.Handler

	mu     sync.Mutex
	lag    time.Duration
	world  *world
	calls  []Call
	faults faultSet
}

// Option configures a Sim.
type Option func(*config)

type config struct {
	now func() time.Time
	lag *time.Duration
}

// WithClock makes the Sim read time from now instead of time.Now; it drives read lag, rate
// limits and call times.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithReadLag makes reads show the world as it was d ago; it overrides the seed's readLag.
func WithReadLag(d time.Duration) Option { return func(c *config) { c.lag = &d } }

// New returns a Sim holding the world seed describes, or an error naming every problem in it.
func New(seed Seed, opts ...Option) (*Sim, error) {
	cfg := config{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Sim{now: cfg.now}
	if err := s.Load(seed); err != nil {
		return nil, err
	}
	if cfg.lag != nil {
		s.SetReadLag(*cfg.lag)
	}
	s.handler = s.routes()
	return s, nil
}

// Handler serves every registered dialect and the control API.
func (s *Sim) Handler() http.Handler { return s.handler }

// Load replaces the whole world with the one seed describes; the call log and faults stay.
// A seed without readLag keeps the current read lag.
func (s *Sim) Load(seed Seed) error {
	w, err := build(seed)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.world = w
	if seed.ReadLag != nil {
		s.lag = time.Duration(*seed.ReadLag)
	}
	return nil
}

// Add adds a seed's accounts, people and groups to the current world, keeping everything
// already there; it refuses a seed that names an existing account, person or group.
func (s *Sim) Add(seed Seed) error {
	w, err := build(seed)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.world.merge(w)
}

// Calls returns a copy of the call log, in the order the calls were answered.
func (s *Sim) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call{}, s.calls...)
}

// ResetCalls empties the call log.
func (s *Sim) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Group returns the group with the given id as it truly is now, ignoring read lag.
func (s *Sim) Group(id string) (GroupState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.world.lookup(id)
	if !ok {
		return GroupState{}, false
	}
	return s.world.state(g, g.truth()), true
}

// Groups returns every group as it truly is now, in seed order.
func (s *Sim) Groups() []GroupState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]GroupState, 0, len(s.world.order))
	for _, id := range s.world.order {
		g := s.world.groups[id]
		out = append(out, s.world.state(g, g.truth()))
	}
	return out
}

// InjectFault activates a fault and returns its id. The fault should pass Validate, as the
// control API makes sure of.
func (s *Sim) InjectFault(f Fault) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.add(f)
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.active = nil
}

// SetReadLag sets how far reads trail writes. Raising it does not bring back states that a
// read under the smaller lag could no longer see.
func (s *Sim) SetReadLag(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lag = d
}

// ReadLag returns how far reads trail writes.
func (s *Sim) ReadLag() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lag
}

func (s *Sim) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}
