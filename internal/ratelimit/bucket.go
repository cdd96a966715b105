package ratelimit

import (
	"math"
	"time"
)

// bucket is a token bucket read on the account's clock: it refills at perSecond tokens a
// second up to burst, and is below zero while a caller waits for tokens it reserved ahead. A
// nil bucket sets no limit. The account's mutex guards it.
type bucket struct {
	perSecond float64
	burst     float64
	tokens    float64
	last      time.Time
}

// resize returns b with a new rate and burst, keeping its tokens up to the new burst; a
// bucket made here starts full or empty as asked, and a rate of 0 drops the limit.
func (b *bucket) resize(now time.Time, perSecond float64, burst int, full bool) *bucket {
	if perSecond <= 0 {
		return nil
	}
	size := float64(max(1, burst))
	if b == nil {
		b = &bucket{last: now}
		if full {
			b.tokens = size
		}
	} else {
		b.advance(now)
	}
	b.perSecond, b.burst, b.tokens = perSecond, size, min(b.tokens, size)
	return b
}

func (b *bucket) at(t time.Time) float64 {
	if b == nil {
		return math.Inf(1)
	}
	elapsed := t.Sub(b.last)
	if elapsed <= 0 {
		return b.tokens
	}
	return min(b.burst, b.tokens+elapsed.Seconds()*b.perSecond)
}

func (b *bucket) advance(t time.Time) {
	b.tokens = b.at(t)
	if t.After(b.last) {
		b.last = t
	}
}

// fit caps n at the most the bucket can ever hold.
func (b *bucket) fit(n int) int {
	if b == nil {
		return n
	}
	return min(n, int(b.burst))
}

// whole is the number of whole tokens there at t.
func (b *bucket) whole(t time.Time) int {
	if b == nil {
		return math.MaxInt
	}
	return int(max(0, b.at(t)))
}

// waitFor is how long after t the bucket holds n tokens.
func (b *bucket) waitFor(t time.Time, n int) time.Duration {
	if b == nil {
		return 0
	}
	short := float64(n) - b.at(t)
	if short <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(short / b.perSecond * float64(time.Second)))
}

func (b *bucket) take(t time.Time, n int) {
	if b == nil {
		return
	}
	b.advance(t)
	b.tokens -= float64(n)
}

// empty spends what the bucket holds at now (a debt of tokens reserved ahead stays) and holds
// it empty until from, when it starts to refill.
func (b *bucket) empty(now, from time.Time) {
	if b == nil {
		return
	}
	b.advance(now)
	b.tokens = min(b.tokens, 0)
	if from.After(b.last) {
		b.last = from
	}
}

func (b *bucket) give(t time.Time, n int) {
	if b == nil {
		return
	}
	b.advance(t)
	b.tokens = min(b.burst, b.tokens+float64(n))
}
