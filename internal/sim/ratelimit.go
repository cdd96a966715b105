package sim

import (
	"math"
	"time"
)

// retryAfter draws one token from the account's bucket at now. It returns 0 when the call may
// proceed, else how long until a token is due (the bucket is left as it was).
func (a *account) retryAfter(now time.Time) time.Duration {
	if a.limiter == nil {
		return 0
	}
	r := a.limiter.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d > 0 {
		r.CancelAt(now)
	}
	return d
}

// retryAfterSeconds renders a wait as a Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
