package ratelimit

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"
)

// fakeClock drives an Accounts' clock, sleeps and random draws without real time passing.
type fakeClock struct {
	now    time.Time
	slept  time.Duration
	draw   float64
	during func()
}

func fakeAccounts() (*Accounts, *fakeClock) {
	c := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	accs := NewAccounts()
	accs.now = func() time.Time { return c.now }
	accs.rand = func() float64 { return c.draw }
	accs.sleep = func(ctx context.Context, d time.Duration) error {
		c.now = c.now.Add(d)
		c.slept += d
		if c.during != nil {
			c.during()
		}
		return ctx.Err()
	}
	return accs, c
}

// near reports whether got is want to within a microsecond of float rounding.
func near(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) <= float64(time.Microsecond)
}

// drain counts the tokens there now, taking them all.
func drain(a *Account) int {
	n := 0
	for ; n < 10_000; n++ {
		if wait, _ := a.Take(context.Background(), 1, 0); wait != 0 {
			break
		}
	}
	return n
}

func TestGetSharesOneAccountPerKey(t *testing.T) {
	accs, clock := fakeAccounts()
	budget := Budget{RequestsPerMinute: 60, Burst: 2}
	a := accs.Get("TwoChat|https://x|+1", budget)
	other := accs.Get("TwoChat|https://x|+2", budget)
	if accs.Get("TwoChat|https://x|+1", budget) != a {
		t.Fatal("two lookups of one account gave two accounts")
	}
	clock.now = clock.now.Add(2 * time.Second)
	if got := drain(a); got != 2 {
		t.Fatalf("first account: %d tokens after 2s at 60/min, want 2", got)
	}
	if got := drain(other); got != 2 {
		t.Fatalf("second account: %d tokens, want 2 left by the first account", got)
	}
}

func TestFreshAccountGrantsNothingBeforeOneInterval(t *testing.T) {
	for _, b := range []Budget{
		{RequestsPerMinute: 60, Burst: 5},
		{RequestsPerMinute: 6, Burst: 1},
		{RequestsPerMinute: 7, Burst: 3},
		{RequestsPerMinute: 600, Burst: 50},
	} {
		accs, clock := fakeAccounts()
		start := clock.now
		a := accs.Get("k", b)
		interval := time.Minute / time.Duration(b.RequestsPerMinute)
		if wait, _ := a.Take(context.Background(), 1, 0); !near(wait, interval) {
			t.Errorf("%+v: fresh account waits %v, want one interval %v", b, wait, interval)
		}
		clock.now = start.Add(interval - time.Millisecond)
		if wait, _ := a.Take(context.Background(), 1, 0); wait == 0 {
			t.Errorf("%+v: a token %v after start, before one interval", b, interval-time.Millisecond)
		}
		clock.now = start.Add(interval + time.Microsecond)
		if wait, _ := a.Take(context.Background(), 1, 0); wait != 0 {
			t.Errorf("%+v: no token after one interval: wait %v", b, wait)
		}
	}
}

func TestFreshAccountHoldsTheRateOverAMinute(t *testing.T) {
	tests := []struct {
		name    string
		budget  Budget
		maxWait time.Duration
	}{
		{"polling, small burst", Budget{RequestsPerMinute: 60, Burst: 5}, 0},
		{"polling, burst above the rate", Budget{RequestsPerMinute: 30, Burst: 100}, 0},
		{"waiting in place", Budget{RequestsPerMinute: 120, Burst: 10}, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accs, clock := fakeAccounts()
			end := clock.now.Add(time.Minute)
			a := accs.Get("k", tt.budget)
			granted := 0
			for !clock.now.After(end) {
				wait, _ := a.Take(context.Background(), 1, tt.maxWait)
				if wait == 0 && !clock.now.After(end) {
					granted++
				}
				clock.now = clock.now.Add(10 * time.Millisecond)
			}
			if rpm := tt.budget.RequestsPerMinute; granted > rpm || granted < rpm-1 {
				t.Fatalf("granted %d calls in 60s, want the rate %d and no burst", granted, rpm)
			}
		})
	}
}

func TestBudgetChangeKeepsTokens(t *testing.T) {
	tests := []struct {
		name   string
		first  Budget
		after  time.Duration
		second Budget
		want   int
	}{
		{"a larger burst adds none", Budget{RequestsPerMinute: 60, Burst: 5}, 3 * time.Second, Budget{RequestsPerMinute: 60, Burst: 10}, 3},
		{"a smaller burst caps them", Budget{RequestsPerMinute: 60, Burst: 5}, 5 * time.Second, Budget{RequestsPerMinute: 60, Burst: 2}, 2},
		{"a new rate counts from the change", Budget{RequestsPerMinute: 60, Burst: 5}, 2 * time.Second, Budget{RequestsPerMinute: 6000, Burst: 50}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accs, clock := fakeAccounts()
			accs.Get("k", tt.first)
			clock.now = clock.now.Add(tt.after)
			if got := drain(accs.Get("k", tt.second)); got != tt.want {
				t.Fatalf("%d tokens after the change, want %d", got, tt.want)
			}
		})
	}
}

func TestTakeRefusedTakesNothing(t *testing.T) {
	accs, clock := fakeAccounts()
	a := accs.Get("k", Budget{RequestsPerMinute: 60, Burst: 4})
	clock.now = clock.now.Add(4 * time.Second)
	steps := []struct {
		n    int
		want time.Duration
	}{
		{3, 0},
		{2, time.Second},
		{1, 0},
		{9, 4 * time.Second},
	}
	for i, s := range steps {
		if wait, _ := a.Take(context.Background(), s.n, 0); !near(wait, s.want) {
			t.Fatalf("step %d: Take(%d) waits %v, want %v", i, s.n, wait, s.want)
		}
	}
}

func TestTakeChecksThePauseAfterTheWait(t *testing.T) {
	tests := []struct {
		name   string
		during func(a *Account, now time.Time)
		want   time.Duration
	}{
		{"no pause", func(*Account, time.Time) {}, 0},
		{"a pause that began during the wait", func(a *Account, now time.Time) { a.Pause(now.Add(30 * time.Second)) }, 30 * time.Second},
		{"a 429 during the wait", func(a *Account, _ time.Time) { a.RateLimited(0) }, NoRetryAfterBase},
		{"a pause that ended during the wait", func(a *Account, now time.Time) { a.Pause(now) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accs, clock := fakeAccounts()
			a := accs.Get("k", Budget{RequestsPerMinute: 60, Burst: 5})
			clock.during = func() { tt.during(a, clock.now) }
			wait, err := a.Take(context.Background(), 1, 5*time.Second)
			if err != nil || wait != tt.want {
				t.Fatalf("Take: wait %v err %v, want %v", wait, err, tt.want)
			}
			if clock.slept != time.Second {
				t.Fatalf("slept %v, want the one second to the token", clock.slept)
			}
		})
	}
}

func TestTakeGivesTheTokenBackWhenCancelled(t *testing.T) {
	accs, clock := fakeAccounts()
	a := accs.Get("k", Budget{RequestsPerMinute: 60, Burst: 5})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Take(ctx, 1, 5*time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("Take on a cancelled context: err %v", err)
	}
	if got := drain(a); got != 1 {
		t.Fatalf("%d tokens after the cancelled wait, want the 1 it had reserved back", got)
	}
	if clock.slept != time.Second {
		t.Fatalf("slept %v, want 1s", clock.slept)
	}
}

func TestPauseHoldsTheAccount(t *testing.T) {
	accs, clock := fakeAccounts()
	a := accs.Get("k", Budget{RequestsPerMinute: 6000, Burst: 10})
	a.Pause(clock.now.Add(30 * time.Second))
	a.Pause(clock.now.Add(10 * time.Second))
	if wait, _ := a.Take(context.Background(), 1, time.Minute); wait != 30*time.Second {
		t.Fatalf("paused account: wait %v, want 30s", wait)
	}
	if got := a.PausedUntil(); !got.Equal(clock.now.Add(30 * time.Second)) {
		t.Fatalf("PausedUntil %v, want 30s on", got)
	}
	clock.now = clock.now.Add(31 * time.Second)
	if wait, _ := a.Take(context.Background(), 1, 0); wait != 0 {
		t.Fatalf("after the pause: wait %v, want a token", wait)
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleep on a cancelled context: %v", err)
	}
	if err := sleep(context.Background(), time.Nanosecond); err != nil {
		t.Fatalf("sleep: %v", err)
	}
}

func TestAccountIsSafeForConcurrentUse(t *testing.T) {
	accs := NewAccounts()
	accs.OnTrip = func(string) {}
	budget := Budget{RequestsPerMinute: 6000, Burst: 10, AddsPerMinute: 600, AddsPerDay: 1000}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			a := accs.Get("k", budget)
			for range 50 {
				_, _ = a.Take(context.Background(), 1, 0)
				if n, _, _ := a.TakeAdds(context.Background(), 3, 0); n > 0 {
					a.ReturnAdds(n)
				}
				a.Wrote()
				a.SessionTrouble("unavailable")
				a.WritesBlocked()
				a.Answered()
				a.PausedUntil()
			}
		})
	}
	wg.Wait()
}

// TakeUpTo takes as many tokens as come within the wait (waiting for them in place), never
// more than the burst, and none when not even one comes in time; Return gives tokens back.
func TestTakeUpTo(t *testing.T) {
	accs, clock := fakeAccounts()
	a := accs.Get("k", Budget{RequestsPerMinute: 60, Burst: 5})
	clock.now = clock.now.Add(3 * time.Second) // 3 tokens
	steps := []struct {
		n       int
		maxWait time.Duration
		taken   int
		slept   time.Duration
		wait    time.Duration
	}{
		{n: 9, maxWait: time.Second, taken: 4, slept: time.Second}, // 3 there, one more within the second
		{n: 2, maxWait: 0, wait: time.Second},                      // none there now
		{n: 9, maxWait: 10 * time.Second, taken: 5, slept: 5 * time.Second},
	}
	for i, s := range steps {
		clock.slept = 0
		taken, wait, err := a.TakeUpTo(context.Background(), s.n, s.maxWait)
		if err != nil || taken != s.taken || !near(wait, s.wait) || !near(clock.slept, s.slept) {
			t.Fatalf("step %d: TakeUpTo(%d, %v) = %d, %v, %v after sleeping %v; want %d, %v after %v",
				i, s.n, s.maxWait, taken, wait, err, clock.slept, s.taken, s.wait, s.slept)
		}
	}
	a.Return(2)
	if n := drain(a); n != 2 {
		t.Errorf("after Return(2), %d tokens there, want 2", n)
	}
}
