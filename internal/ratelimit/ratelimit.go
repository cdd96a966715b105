// Package ratelimit owns the budgets of each provider account, shared by every group and
// provider object that uses it: a request bucket, an add bucket counted in members (per
// minute, with jitter between add calls, and per day), one pause that 429s and over-limit
// signals set for the whole account, and a breaker that stops writes when the session drops
// right after them.
//
// Every bucket starts empty but the daily one, so that a restarted operator never sends more
// than the rate over any window, whatever the previous process spent before it died. The
// daily add budget lives in this process only: a restart grants a full day again.
package ratelimit

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Budget is the rates and bursts of one account; a rate of 0 sets no limit of its kind.
type Budget struct {
	// RequestsPerMinute is the rate of provider calls.
	RequestsPerMinute int
	// Burst is the most calls the request bucket holds; below 1 counts as 1.
	Burst int
	// AddsPerMinute is the rate of members added; the add bucket holds ten seconds' worth.
	AddsPerMinute int
	// AddsPerDay is the most members added over a day, counted in this process only.
	AddsPerDay int
}

// Accounts holds the budget of every account seen, keyed by a string that identifies the
// account (provider type, endpoint and account id).
type Accounts struct {
	// OnTrip, when set, is called with an account's key each time its write breaker opens,
	// outside every lock. Set it before the accounts are used.
	OnTrip func(key string)

	mu       sync.Mutex
	accounts map[string]*Account
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	rand     func() float64
}

// NewAccounts returns an empty set of accounts on the real clock.
func NewAccounts() *Accounts {
	return &Accounts{accounts: map[string]*Account{}, now: time.Now, sleep: sleep, rand: rand.Float64}
}

// Get returns the account, creating it with empty buckets or adjusting its budget to b
// (keeping the tokens it has).
func (a *Accounts) Get(key string, b Budget) *Account {
	a.mu.Lock()
	defer a.mu.Unlock()
	acc, ok := a.accounts[key]
	if !ok {
		acc = &Account{key: key, owner: a}
		a.accounts[key] = acc
	}
	acc.setBudget(b)
	return acc
}

// Each calls f for every account seen, for reporting; f must not call back into Accounts.
func (a *Accounts) Each(f func(*Account)) {
	a.mu.Lock()
	list := make([]*Account, 0, len(a.accounts))
	for _, acc := range a.accounts {
		list = append(list, acc)
	}
	a.mu.Unlock()
	for _, acc := range list {
		f(acc)
	}
}

// Key is the string that identifies the account (provider type, endpoint and account id).
func (a *Account) Key() string { return a.key }

// Account is one account's budgets, pause and write breaker, safe for concurrent use.
type Account struct {
	key   string
	owner *Accounts

	mu            sync.Mutex
	requests      *bucket
	adds          *bucket
	daily         *bucket
	addInterval   time.Duration
	noAddBefore   time.Time
	pausedUntil   time.Time
	noRetryAfter  int
	overlimits    int
	lastOverlimit time.Time
	lastWrite     time.Time
	blockedUntil  time.Time
	blockReason   string
}

func (a *Account) setBudget(b Budget) {
	now := a.lock()
	defer a.mu.Unlock()
	a.requests = a.requests.resize(now, perMinute(b.RequestsPerMinute), b.Burst, false)
	a.adds = a.adds.resize(now, perMinute(b.AddsPerMinute), b.AddsPerMinute/6, false)
	a.daily = a.daily.resize(now, float64(b.AddsPerDay)/(24*time.Hour).Seconds(), b.AddsPerDay, true)
	a.addInterval = 0
	if b.AddsPerMinute > 0 {
		a.addInterval = time.Minute / time.Duration(b.AddsPerMinute)
	}
}

func perMinute(n int) float64 {
	return float64(n) / 60
}

// lock takes the account's mutex and reads the clock under it, so that the buckets see time
// only move forward.
func (a *Account) lock() time.Time {
	a.mu.Lock()
	return a.owner.now()
}

// Pause stops every call on the account until t (a 429's Retry-After); it never shortens a
// longer pause.
func (a *Account) Pause(t time.Time) {
	a.lock()
	defer a.mu.Unlock()
	a.extendPause(t)
}

// PausedUntil is when the account's pause ends; it is in the past when the account is not
// paused.
func (a *Account) PausedUntil() time.Time {
	a.lock()
	defer a.mu.Unlock()
	return a.pausedUntil
}

func (a *Account) extendPause(t time.Time) {
	if t.After(a.pausedUntil) {
		a.pausedUntil = t
	}
}

func (a *Account) pauseLeft(now time.Time) time.Duration {
	return max(0, a.pausedUntil.Sub(now))
}

// Take waits for n calls' tokens if they come within maxWait, and returns 0; when the
// account was paused during that wait, it returns the rest of the pause instead, and the
// tokens stay spent. When the tokens (or the end of a pause) are further off, it takes
// nothing and returns how long to come back after, so that a caller never holds a worker for
// long. n is capped at the burst, which is the most the bucket can ever hold.
func (a *Account) Take(ctx context.Context, n int, maxWait time.Duration) (time.Duration, error) {
	_, wait, err := a.take(ctx, n, maxWait, false)
	return wait, err
}

// TakeUpTo is Take for as many of n calls' tokens as come within maxWait, at least one: it
// returns how many it took (waiting in place for them), or 0 and how long to come back after.
func (a *Account) TakeUpTo(ctx context.Context, n int, maxWait time.Duration) (int, time.Duration, error) {
	return a.take(ctx, n, maxWait, true)
}

// take is Take, and with partial TakeUpTo: it returns the tokens taken, and the rest of a pause
// that began while it waited for them, or how long to come back after when it took none.
func (a *Account) take(ctx context.Context, n int, maxWait time.Duration, partial bool) (int, time.Duration, error) {
	taken, delay := a.reserve(n, maxWait, partial)
	if taken == 0 {
		return 0, delay, nil
	}
	if err := a.wait(ctx, delay); err != nil {
		a.giveRequests(taken)
		return 0, 0, err
	}
	now := a.lock()
	defer a.mu.Unlock()
	return taken, a.pauseLeft(now), nil
}

// reserve takes n tokens ahead when they come within maxWait (with partial, as many of them
// as do, at least one), and says how long until they do; it takes none, and says how long to
// come back after, when they or the end of a pause are further off.
func (a *Account) reserve(n int, maxWait time.Duration, partial bool) (int, time.Duration) {
	now := a.lock()
	defer a.mu.Unlock()
	if paused := a.pauseLeft(now); paused > 0 {
		return 0, paused
	}
	n = a.requests.fit(max(1, n))
	for partial && n > 1 && a.requests.waitFor(now, n) > maxWait {
		n--
	}
	delay := a.requests.waitFor(now, n)
	if delay > maxWait {
		return 0, delay
	}
	a.requests.take(now, n)
	return n, delay
}

// Return gives back n calls' tokens taken but not spent, up to the burst.
func (a *Account) Return(n int) { a.giveRequests(n) }

func (a *Account) giveRequests(n int) {
	now := a.lock()
	defer a.mu.Unlock()
	a.requests.give(now, n)
}

func (a *Account) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	return a.owner.sleep(ctx, d)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
