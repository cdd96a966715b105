package ratelimit

import (
	"testing"
	"time"
)

// breakerStep moves the clock by advance, does one thing to the account, and expects
// SessionTrouble's answer, how long writes then stay blocked (0: not blocked) and how many
// times OnTrip has been called.
type breakerStep struct {
	advance time.Duration
	do      func(a *Account) bool
	tripped bool
	blocked time.Duration
	trips   int
}

func wrote(a *Account) bool {
	a.Wrote()
	return false
}

func trouble(a *Account) bool { return a.SessionTrouble("unavailable") }

func reset(a *Account) bool {
	a.ResetBreaker()
	return false
}

func TestWriteBreaker(t *testing.T) {
	tests := []struct {
		name  string
		steps []breakerStep
	}{
		{"trouble without a write leaves it closed", []breakerStep{
			{do: trouble},
		}},
		{"trouble soon after a write opens it", []breakerStep{
			{do: wrote},
			{advance: time.Minute, do: trouble, tripped: true, blocked: BreakerCooldown, trips: 1},
		}},
		{"trouble at the edge of the window opens it", []breakerStep{
			{do: wrote},
			{advance: DropWindow, do: trouble, tripped: true, blocked: BreakerCooldown, trips: 1},
		}},
		{"trouble long after a write leaves it closed", []breakerStep{
			{do: wrote},
			{advance: DropWindow + time.Second, do: trouble},
		}},
		{"it closes after the cool-down", []breakerStep{
			{do: wrote},
			{do: trouble, tripped: true, blocked: BreakerCooldown, trips: 1},
			{advance: BreakerCooldown - time.Second, do: wrote, blocked: time.Second, trips: 1},
			{advance: time.Second, do: wrote, trips: 1},
		}},
		{"ResetBreaker closes it and forgets the write", []breakerStep{
			{do: wrote},
			{do: trouble, tripped: true, blocked: BreakerCooldown, trips: 1},
			{advance: time.Minute, do: reset, trips: 1},
			{do: trouble, trips: 1},
		}},
		{"more trouble while open extends it without a second trip", []breakerStep{
			{do: wrote},
			{do: trouble, tripped: true, blocked: BreakerCooldown, trips: 1},
			{advance: time.Minute, do: trouble, tripped: true, blocked: BreakerCooldown, trips: 1},
		}},
		{"each opening trips once", []breakerStep{
			{do: wrote},
			{do: trouble, tripped: true, blocked: BreakerCooldown, trips: 1},
			{advance: BreakerCooldown, do: wrote, trips: 1},
			{do: trouble, tripped: true, blocked: BreakerCooldown, trips: 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accs, clock := fakeAccounts()
			var trips []string
			accs.OnTrip = func(key string) { trips = append(trips, key) }
			a := accs.Get("k", Budget{RequestsPerMinute: 60, Burst: 5})
			for i, s := range tt.steps {
				clock.now = clock.now.Add(s.advance)
				if got := s.do(a); got != s.tripped {
					t.Fatalf("step %d: SessionTrouble %v, want %v", i, got, s.tripped)
				}
				until, reason, blocked := a.WritesBlocked()
				if blocked != (s.blocked > 0) || blocked && (until.Sub(clock.now) != s.blocked || reason != "unavailable") {
					t.Fatalf("step %d: blocked %v until %v (%q), want blocked for %v", i, blocked, until.Sub(clock.now), reason, s.blocked)
				}
				if len(trips) != s.trips || s.trips > 0 && trips[0] != "k" {
					t.Fatalf("step %d: OnTrip calls %q, want %d with the key", i, trips, s.trips)
				}
			}
		})
	}
}
