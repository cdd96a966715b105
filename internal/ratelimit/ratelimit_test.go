package ratelimit

import (
	"context"
	"testing"
	"time"
)

func TestTakeSharesOneBucketPerAccount(t *testing.T) {
	accs := NewAccounts()
	clock := time.Unix(1_700_000_000, 0)
	accs.now = func() time.Time { return clock }
	a := accs.Get("TwoChat|https://x|+1", Budget{RequestsPerMinute: 60, Burst: 2})
	b := accs.Get("TwoChat|https://x|+1", Budget{RequestsPerMinute: 60, Burst: 2})
	if a != b {
		t.Fatal("two lookups of one account gave two buckets")
	}
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if wait, err := a.Take(ctx, 1, 0); err != nil || wait != 0 {
			t.Fatalf("token %d: wait %v err %v, want the burst to allow it", i, wait, err)
		}
	}
	wait, err := b.Take(ctx, 1, 0)
	if err != nil || wait < 900*time.Millisecond || wait > time.Second {
		t.Fatalf("third token: wait %v err %v, want about 1s at 60/min", wait, err)
	}
	// A refused token is not consumed: after a second there is exactly one.
	clock = clock.Add(time.Second)
	if wait, _ := a.Take(ctx, 1, 0); wait != 0 {
		t.Fatalf("after 1s: wait %v, want a token", wait)
	}
	if wait, _ := a.Take(ctx, 1, 0); wait == 0 {
		t.Fatal("after 1s: a second token was given, want only one")
	}
	other := accs.Get("TwoChat|https://x|+2", Budget{RequestsPerMinute: 60, Burst: 1})
	if wait, _ := other.Take(ctx, 1, 0); wait != 0 {
		t.Fatal("another account's bucket was drained by the first")
	}
}

func TestPauseHoldsTheAccount(t *testing.T) {
	accs := NewAccounts()
	clock := time.Unix(1_700_000_000, 0)
	accs.now = func() time.Time { return clock }
	a := accs.Get("k", Budget{RequestsPerMinute: 6000, Burst: 10})
	a.Pause(clock.Add(30 * time.Second))
	a.Pause(clock.Add(10 * time.Second)) // an earlier end never shortens a pause
	if wait, _ := a.Take(context.Background(), 1, time.Minute); wait != 30*time.Second {
		t.Fatalf("paused account: wait %v, want 30s", wait)
	}
	clock = clock.Add(31 * time.Second)
	if wait, _ := a.Take(context.Background(), 1, 0); wait != 0 {
		t.Fatalf("after the pause: wait %v, want a token", wait)
	}
}

func TestTakeCountsEveryCallOfAnOperation(t *testing.T) {
	accs := NewAccounts()
	clock := time.Unix(1_700_000_000, 0)
	accs.now = func() time.Time { return clock }
	a := accs.Get("k", Budget{RequestsPerMinute: 60, Burst: 4})
	if wait, _ := a.Take(context.Background(), 3, 0); wait != 0 {
		t.Fatalf("3 of a burst of 4: wait %v", wait)
	}
	if wait, _ := a.Take(context.Background(), 2, 0); wait < 900*time.Millisecond {
		t.Fatalf("2 more with 1 left: wait %v, want about a second", wait)
	}
	if wait, _ := a.Take(context.Background(), 1, 0); wait != 0 {
		t.Fatalf("the refused 2 took tokens: wait %v", wait)
	}
}
