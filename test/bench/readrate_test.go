package bench

import (
	"math"
	"testing"
	"time"
)

// TestReadRateDoesNotDependOnTheWindowsPhase checks the steady state's read rate: groups that
// read once an interval measure 1 wherever their reads fall in the window (counting the
// window's reads gives 1.5 for groups whose first read is at its start and third just before
// its end), one that reads twice as often 2, and one that does not read 0.
func TestReadRateDoesNotDependOnTheWindowsPhase(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	window := 2 * interval
	every := func(period, offset time.Duration) []time.Time {
		var ts []time.Time
		for at := offset; at < window; at += period {
			ts = append(ts, t0.Add(at))
		}
		return ts
	}
	tests := []struct {
		name   string
		reads  map[string][]time.Time
		groups int
		want   float64
	}{
		{"three reads in two intervals", map[string][]time.Time{"a": every(interval-100*time.Millisecond, 0), "b": every(interval-50*time.Millisecond, 0)}, 2, 1},
		{"one group reads twice an interval", map[string][]time.Time{"a": every(interval, 0), "b": every(interval/2, 0)}, 2, 1.5},
		{"one group reads nothing", map[string][]time.Time{"a": every(interval, 0)}, 2, 0.5},
	}
	for _, tt := range tests {
		if got := readRate(tt.reads, tt.groups, window); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("%s: %.3f reads per group per interval, want %.3f", tt.name, got, tt.want)
		}
	}
}
