// Package ratelimit owns the request budget of each provider account: one token bucket per
// account, shared by every group and provider object that uses it, and a pause that a 429's
// Retry-After sets for the whole account.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Budget is a rate and burst for one account.
type Budget struct {
	RequestsPerMinute int
	Burst             int
}

// Accounts holds the bucket of every account seen, keyed by a string that identifies the
// account (provider type, endpoint and account id).
type Accounts struct {
	mu       sync.Mutex
	accounts map[string]*Account
	now      func() time.Time
}

// NewAccounts returns an empty set of account buckets.
func NewAccounts() *Accounts {
	return &Accounts{accounts: map[string]*Account{}, now: time.Now}
}

// Get returns the account's bucket, creating it or adjusting its budget to b.
func (a *Accounts) Get(key string, b Budget) *Account {
	a.mu.Lock()
	defer a.mu.Unlock()
	limit := rate.Limit(float64(b.RequestsPerMinute) / 60)
	acc, ok := a.accounts[key]
	if !ok {
		acc = &Account{limiter: rate.NewLimiter(limit, b.Burst), now: a.now}
		a.accounts[key] = acc
		return acc
	}
	if acc.limiter.Limit() != limit {
		acc.limiter.SetLimit(limit)
	}
	if acc.limiter.Burst() != b.Burst {
		acc.limiter.SetBurst(b.Burst)
	}
	return acc
}

// Account is one account's budget.
type Account struct {
	limiter *rate.Limiter
	now     func() time.Time

	mu          sync.Mutex
	pausedUntil time.Time
}

// Pause stops every call on the account until t (a 429's Retry-After).
func (a *Account) Pause(t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t.After(a.pausedUntil) {
		a.pausedUntil = t
	}
}

// Take waits for n calls' tokens if they come within maxWait, and returns 0. When they (or
// the end of a pause) are further off, it takes nothing and returns how long to come back
// after, so that a caller never holds a worker for long. n is capped at the burst, which is
// the most the bucket can ever hold.
func (a *Account) Take(ctx context.Context, n int, maxWait time.Duration) (time.Duration, error) {
	now := a.now()
	a.mu.Lock()
	paused := a.pausedUntil.Sub(now)
	a.mu.Unlock()
	if paused > 0 {
		return paused, nil
	}
	r := a.limiter.ReserveN(now, max(1, min(n, a.limiter.Burst())))
	if !r.OK() {
		return time.Minute, nil
	}
	delay := r.DelayFrom(now)
	if delay > maxWait {
		r.CancelAt(now)
		return delay, nil
	}
	if delay <= 0 {
		return 0, nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return 0, nil
	case <-ctx.Done():
		r.Cancel()
		return 0, ctx.Err()
	}
}
