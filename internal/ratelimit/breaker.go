package ratelimit

import "time"

const (
	// DropWindow is how soon after a write a session that drops opens the write breaker.
	DropWindow = 2 * time.Minute
	// BreakerCooldown is how long an open write breaker stops writes.
	BreakerCooldown = 30 * time.Minute
)

// Wrote records that a write call was just sent on the account.
func (a *Account) Wrote() {
	now := a.lock()
	defer a.mu.Unlock()
	a.lastWrite = now
}

// SessionTrouble records a call answered that the session is down or the credentials were
// refused. When a write was sent within DropWindow before, WhatsApp may be punishing the
// number: it stops all writes on the account for BreakerCooldown with reason, calls the
// accounts' OnTrip if the breaker was closed, and returns true.
func (a *Account) SessionTrouble(reason string) bool {
	tripped, opened := a.trouble(reason)
	if opened && a.owner.OnTrip != nil {
		a.owner.OnTrip(a.key)
	}
	return tripped
}

func (a *Account) trouble(reason string) (tripped, opened bool) {
	now := a.lock()
	defer a.mu.Unlock()
	if now.Sub(a.lastWrite) > DropWindow {
		return false, false
	}
	opened = !now.Before(a.blockedUntil)
	a.blockedUntil, a.blockReason = now.Add(BreakerCooldown), reason
	return true, opened
}

// WritesBlocked reports whether the write breaker stops writes now, until when and why; it
// closes by itself once the cool-down has passed.
func (a *Account) WritesBlocked() (until time.Time, reason string, blocked bool) {
	now := a.lock()
	defer a.mu.Unlock()
	if !now.Before(a.blockedUntil) {
		return time.Time{}, "", false
	}
	return a.blockedUntil, a.blockReason, true
}

// ResetBreaker closes the write breaker at once, because a person acted on the provider, and
// forgets the last write, so that the session still being down does not open it again before
// the next write.
func (a *Account) ResetBreaker() {
	a.lock()
	defer a.mu.Unlock()
	a.blockedUntil, a.blockReason, a.lastWrite = time.Time{}, "", time.Time{}
}
