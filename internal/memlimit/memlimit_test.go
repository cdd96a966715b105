package memlimit

import (
	"runtime/debug"
	"testing"
)

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]int64{"268435456\n": 268435456, "max\n": 0, "9223372036854771712\n": 0, "": 0, "-1": 0} {
		got, ok := parseLimit([]byte(in))
		if got != want || ok != (want > 0) {
			t.Errorf("parseLimit(%q) = %d, %t; want %d", in, got, ok, want)
		}
	}
}

func TestApplySetsTheRuntimeLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	limit := int64(256 << 20)
	want := int64(float64(limit) * Share)
	if got := Apply(limit); got != want || debug.SetMemoryLimit(-1) != got {
		t.Errorf("Apply(256Mi) = %d, runtime limit %d; want %d", got, debug.SetMemoryLimit(-1), want)
	}
}
