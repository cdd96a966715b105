package ratelimit

import "time"

const (
	// MaxRetryAfter is the longest pause a 429's Retry-After sets.
	MaxRetryAfter = time.Hour
	// NoRetryAfterBase is the pause after a 429 without a readable Retry-After; it doubles
	// with each such 429 in a row.
	NoRetryAfterBase = 2 * time.Second
	// NoRetryAfterMax is the longest pause 429s without a Retry-After set.
	NoRetryAfterMax = 5 * time.Minute
	// OverlimitPause is the pause after a provider's rate-overlimit signal; it doubles with
	// each further one within OverlimitWindow of the one before.
	OverlimitPause = 15 * time.Minute
	// OverlimitMax is the longest pause rate-overlimit signals set.
	OverlimitMax = 4 * time.Hour
	// OverlimitWindow is how long a rate-overlimit signal doubles the pause of the next one.
	OverlimitWindow = 24 * time.Hour
)

// RateLimited records a 429 and pauses the account: for retryAfter up to MaxRetryAfter when
// the answer had one, or else for a backoff shared by the account that doubles from
// NoRetryAfterBase up to NoRetryAfterMax until Answered. It returns the pause left, which a
// longer pause already set outlasts.
//
// A 429 says the provider's bucket is empty whatever ours holds, so ours is emptied too and
// refills only from the pause's end: the account resumes at its rate, not with a burst into a
// provider that just refused one (which, with the provider's bucket no larger than ours,
// answers 429 again, and each 429 costs a whole second of Retry-After).
func (a *Account) RateLimited(retryAfter time.Duration) time.Duration {
	now := a.lock()
	defer a.mu.Unlock()
	d := min(retryAfter, MaxRetryAfter)
	if retryAfter <= 0 {
		d = doubled(NoRetryAfterBase, a.noRetryAfter, NoRetryAfterMax)
		a.noRetryAfter++
	}
	left := a.pauseFor(now, d)
	a.requests.empty(now, a.pausedUntil)
	return left
}

// Answered records a call answered without a 429, which ends the backoff of 429s without a
// Retry-After.
func (a *Account) Answered() {
	a.lock()
	defer a.mu.Unlock()
	a.noRetryAfter = 0
}

// Overlimited records a provider's rate-overlimit signal (WhatsApp refused adds because too
// many were sent) and pauses the account for OverlimitPause, doubled for each further signal
// within OverlimitWindow of the one before, up to OverlimitMax. Answered does not reset it,
// since the signal comes inside a successful answer. It returns the pause left.
func (a *Account) Overlimited() time.Duration {
	now := a.lock()
	defer a.mu.Unlock()
	if now.Sub(a.lastOverlimit) > OverlimitWindow {
		a.overlimits = 0
	}
	a.lastOverlimit = now
	d := doubled(OverlimitPause, a.overlimits, OverlimitMax)
	a.overlimits++
	return a.pauseFor(now, d)
}

func (a *Account) pauseFor(now time.Time, d time.Duration) time.Duration {
	a.extendPause(now.Add(d))
	return a.pauseLeft(now)
}

// doubled is base doubled k times, capped at limit.
func doubled(base time.Duration, k int, limit time.Duration) time.Duration {
	d := base
	for ; k > 0 && d < limit; k-- {
		d *= 2
	}
	return min(d, limit)
}
