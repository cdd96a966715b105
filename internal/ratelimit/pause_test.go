package ratelimit

import (
	"context"
	"testing"
	"time"
)

// pauseStep moves the clock by advance, then does one thing to the account and expects the
// pause it reports.
type pauseStep struct {
	advance time.Duration
	do      func(a *Account) time.Duration
	want    time.Duration
}

func limited(retryAfter time.Duration) func(*Account) time.Duration {
	return func(a *Account) time.Duration { return a.RateLimited(retryAfter) }
}

func overlimited(a *Account) time.Duration { return a.Overlimited() }

func answered(a *Account) time.Duration {
	a.Answered()
	return 0
}

func runPauseSteps(t *testing.T, steps []pauseStep) {
	t.Helper()
	accs, clock := fakeAccounts()
	a := accs.Get("k", Budget{RequestsPerMinute: 60, Burst: 5})
	for i, s := range steps {
		clock.now = clock.now.Add(s.advance)
		got := s.do(a)
		if got != s.want {
			t.Fatalf("step %d: pause %v, want %v", i, got, s.want)
		}
		if left := max(0, a.PausedUntil().Sub(clock.now)); s.want > 0 && left != s.want {
			t.Fatalf("step %d: PausedUntil is %v on, want %v", i, left, s.want)
		}
	}
}

func TestRateLimitedPausesTheAccount(t *testing.T) {
	tests := []struct {
		name  string
		steps []pauseStep
	}{
		{"without Retry-After it doubles from 2s to 5m", []pauseStep{
			{0, limited(0), 2 * time.Second},
			{2 * time.Second, limited(0), 4 * time.Second},
			{4 * time.Second, limited(-time.Second), 8 * time.Second},
			{8 * time.Second, limited(0), 16 * time.Second},
			{16 * time.Second, limited(0), 32 * time.Second},
			{32 * time.Second, limited(0), 64 * time.Second},
			{64 * time.Second, limited(0), 128 * time.Second},
			{128 * time.Second, limited(0), 256 * time.Second},
			{256 * time.Second, limited(0), 5 * time.Minute},
			{5 * time.Minute, limited(0), 5 * time.Minute},
		}},
		{"Answered starts the backoff again", []pauseStep{
			{0, limited(0), 2 * time.Second},
			{2 * time.Second, limited(0), 4 * time.Second},
			{4 * time.Second, answered, 0},
			{0, limited(0), 2 * time.Second},
		}},
		{"a Retry-After neither counts in nor ends the backoff", []pauseStep{
			{0, limited(0), 2 * time.Second},
			{2 * time.Second, limited(10 * time.Second), 10 * time.Second},
			{10 * time.Second, limited(0), 4 * time.Second},
		}},
		{"Retry-After is capped at an hour", []pauseStep{
			{0, limited(30 * time.Second), 30 * time.Second},
			{30 * time.Second, limited(2 * time.Hour), MaxRetryAfter},
		}},
		{"a shorter pause never shortens a longer one", []pauseStep{
			{0, limited(time.Minute), time.Minute},
			{10 * time.Second, limited(5 * time.Second), 50 * time.Second},
			{0, limited(0), 50 * time.Second},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runPauseSteps(t, tt.steps) })
	}
}

func TestOverlimitedDoublesWithinADay(t *testing.T) {
	tests := []struct {
		name  string
		steps []pauseStep
	}{
		{"doubles to 4h", []pauseStep{
			{0, overlimited, 15 * time.Minute},
			{15 * time.Minute, overlimited, 30 * time.Minute},
			{30 * time.Minute, overlimited, time.Hour},
			{time.Hour, overlimited, 2 * time.Hour},
			{2 * time.Hour, overlimited, 4 * time.Hour},
			{4 * time.Hour, overlimited, OverlimitMax},
		}},
		{"Answered does not reset it", []pauseStep{
			{0, overlimited, 15 * time.Minute},
			{15 * time.Minute, answered, 0},
			{0, overlimited, 30 * time.Minute},
		}},
		{"24h after the last one still counts", []pauseStep{
			{0, overlimited, 15 * time.Minute},
			{24 * time.Hour, overlimited, 30 * time.Minute},
		}},
		{"a longer quiet spell starts again", []pauseStep{
			{0, overlimited, 15 * time.Minute},
			{15 * time.Minute, overlimited, 30 * time.Minute},
			{24*time.Hour + time.Second, overlimited, 15 * time.Minute},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runPauseSteps(t, tt.steps) })
	}
}

// TestRateLimitedEmptiesTheBucket checks that a 429 leaves the account no burst: after the
// pause it sends at its rate, since the provider's bucket, which refused a call, is empty.
func TestRateLimitedEmptiesTheBucket(t *testing.T) {
	accs, clock := fakeAccounts()
	a := accs.Get("k", Budget{RequestsPerMinute: 60, Burst: 5})
	clock.now = clock.now.Add(10 * time.Second) // a full bucket
	if d := a.RateLimited(2 * time.Second); d != 2*time.Second {
		t.Fatalf("RateLimited: pause %v, want 2s", d)
	}
	clock.now = clock.now.Add(2 * time.Second)
	if wait, _ := a.Take(context.Background(), 1, 0); !near(wait, time.Second) {
		t.Fatalf("at the pause's end: wait %v for a token, want the 1s it takes to earn one", wait)
	}
	clock.now = clock.now.Add(10 * time.Second)
	if got := drain(a); got != 5 {
		t.Fatalf("%d tokens 10s after the pause, want the burst of 5 back", got)
	}
}
