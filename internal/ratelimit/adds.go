package ratelimit

import (
	"context"
	"time"
)

// maxJitter is the largest gap after an add call, as a share of one add interval.
const maxJitter = 0.5

// TakeAdds grants between 1 and n members of add budget when one member's worth is there
// within maxWait, waiting in place for it: all n (up to the burst) when they come within
// maxWait, else as many as are there. After each grant the next add call waits a random 0 to 50% of one add interval
// (a minute over AddsPerMinute) more. When no member's worth comes within maxWait, or the account is paused (even if the
// pause began during the wait), it grants 0, takes nothing, and returns how long to come back
// after. Without an add limit it grants n at once, unless the account is paused.
func (a *Account) TakeAdds(ctx context.Context, n int, maxWait time.Duration) (granted int, wait time.Duration, err error) {
	if n < 1 {
		return 0, 0, nil
	}
	deadline := a.owner.now().Add(maxWait)
	for {
		var again bool
		granted, wait, again = a.grantAdds(n, deadline)
		if !again {
			return granted, wait, nil
		}
		if err = a.wait(ctx, wait); err != nil {
			return 0, 0, err
		}
	}
}

// grantAdds grants a whole batch (n, capped at the bursts) when it is there now, or says to wait
// in place when it comes before the deadline, so that batches stay whole; failing that, it
// grants what is there now (at least one member), or says how long until one may be and
// whether to wait that long in place before asking again.
func (a *Account) grantAdds(n int, deadline time.Time) (granted int, wait time.Duration, again bool) {
	now := a.lock()
	defer a.mu.Unlock()
	paused := a.pauseLeft(now)
	gap := a.noAddBefore.Sub(now)
	if paused > 0 {
		return 0, max(paused, gap, a.adds.waitFor(now, 1), a.daily.waitFor(now, 1)), false
	}
	whole := a.daily.fit(a.adds.fit(n))
	if w := max(gap, a.adds.waitFor(now, whole), a.daily.waitFor(now, whole)); w > 0 && !now.Add(w).After(deadline) {
		return 0, w, true
	}
	wait = max(gap, a.adds.waitFor(now, 1), a.daily.waitFor(now, 1))
	if wait > 0 {
		return 0, wait, !now.Add(wait).After(deadline)
	}
	granted = min(whole, a.adds.whole(now), a.daily.whole(now))
	a.adds.take(now, granted)
	a.daily.take(now, granted)
	a.noAddBefore = now.Add(time.Duration(a.owner.rand() * maxJitter * float64(a.addInterval)))
	return granted, 0, false
}

// ReturnAdds gives back n granted members that were not sent, up to the bursts.
func (a *Account) ReturnAdds(n int) {
	if n < 1 {
		return
	}
	now := a.lock()
	defer a.mu.Unlock()
	a.adds.give(now, n)
	a.daily.give(now, n)
}
