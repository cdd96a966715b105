package ratelimit

import (
	"context"
	"testing"
	"time"
)

// addStep moves the clock by advance, runs before, then asks TakeAdds for n within maxWait
// (running during inside any wait) and expects what it grants, the wait it returns and how
// long it slept.
type addStep struct {
	advance time.Duration
	before  func(a *Account)
	during  func(a *Account)
	n       int
	maxWait time.Duration
	granted int
	wait    time.Duration
	slept   time.Duration
}

func giveBack(n int) func(*Account) {
	return func(a *Account) { a.ReturnAdds(n) }
}

func TestTakeAdds(t *testing.T) {
	perMinute := Budget{RequestsPerMinute: 60, Burst: 5, AddsPerMinute: 60}
	tests := []struct {
		name   string
		budget Budget
		draw   float64
		steps  []addStep
	}{
		{"a fresh add bucket is empty", perMinute, 0, []addStep{
			{n: 1, wait: time.Second},
			{n: 1, maxWait: 999 * time.Millisecond, wait: time.Second},
			{advance: time.Second, n: 1, granted: 1},
		}},
		{"it waits in place within maxWait", perMinute, 0, []addStep{
			{n: 3, maxWait: 2 * time.Second, granted: 1, slept: time.Second},
		}},
		{"it waits in place for a whole batch when it comes within maxWait", perMinute, 0, []addStep{
			{n: 2, maxWait: 3 * time.Second, granted: 2, slept: 2 * time.Second},
		}},
		{"it grants at most the burst", perMinute, 0, []addStep{
			{advance: time.Hour, n: 50, granted: 10},
			{n: 1, wait: time.Second},
		}},
		{"it grants what is there", perMinute, 0, []addStep{
			{advance: 3 * time.Second, n: 5, granted: 3},
		}},
		{"a jitter gap follows each grant", perMinute, 1, []addStep{
			{advance: 10 * time.Second, n: 2, granted: 2},
			{n: 1, wait: 500 * time.Millisecond},
			{advance: 100 * time.Millisecond, n: 1, maxWait: 400 * time.Millisecond, granted: 1, slept: 400 * time.Millisecond},
		}},
		{"no gap on a zero draw", perMinute, 0, []addStep{
			{advance: 10 * time.Second, n: 2, granted: 2},
			{n: 1, granted: 1},
		}},
		{"the daily cap holds", Budget{AddsPerMinute: 60, AddsPerDay: 3}, 0, []addStep{
			{advance: 10 * time.Second, n: 5, granted: 3},
			{advance: time.Hour, n: 1, maxWait: time.Hour, wait: 7 * time.Hour},
		}},
		{"a daily budget alone starts full", Budget{AddsPerDay: 5}, 1, []addStep{
			{n: 10, granted: 5},
			{n: 1, wait: 24 * time.Hour / 5},
		}},
		{"without an add limit it grants all", Budget{RequestsPerMinute: 60}, 0, []addStep{
			{n: 500, granted: 500},
			{n: 500, granted: 500},
		}},
		{"a pause outlasting the refill is the wait", perMinute, 0, []addStep{
			{before: func(a *Account) { a.RateLimited(time.Minute) }, n: 1, maxWait: time.Hour, wait: time.Minute},
		}},
		{"a pause that began during the wait grants none", perMinute, 0, []addStep{
			{during: func(a *Account) { a.RateLimited(30 * time.Second) }, n: 1, maxWait: 5 * time.Second, wait: 30 * time.Second, slept: time.Second},
			{advance: 30 * time.Second, n: 20, granted: 10},
		}},
		{"returned members come back", perMinute, 0, []addStep{
			{advance: 10 * time.Second, n: 10, granted: 10},
			{before: giveBack(4), n: 10, granted: 4},
		}},
		{"returns are capped at the burst", perMinute, 0, []addStep{
			{advance: 10 * time.Second, before: giveBack(100), n: 100, granted: 10},
		}},
		{"returns refill the day", Budget{AddsPerDay: 3}, 0, []addStep{
			{n: 3, granted: 3},
			{before: giveBack(2), n: 3, granted: 2},
			{n: 1, wait: 8 * time.Hour},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accs, clock := fakeAccounts()
			clock.draw = tt.draw
			a := accs.Get("k", tt.budget)
			for i, s := range tt.steps {
				clock.now = clock.now.Add(s.advance)
				clock.slept = 0
				clock.during = nil
				if s.during != nil {
					clock.during = func() { s.during(a) }
				}
				if s.before != nil {
					s.before(a)
				}
				granted, wait, err := a.TakeAdds(context.Background(), s.n, s.maxWait)
				if err != nil || granted != s.granted || !near(wait, s.wait) || !near(clock.slept, s.slept) {
					t.Fatalf("step %d: granted %d wait %v slept %v err %v, want %d, %v, %v",
						i, granted, wait, clock.slept, err, s.granted, s.wait, s.slept)
				}
			}
		})
	}
}
