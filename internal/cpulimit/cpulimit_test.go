package cpulimit

import (
	"runtime"
	"testing"
)

func TestParseV2(t *testing.T) {
	for in, want := range map[string]float64{"50000 100000\n": 0.5, "100000 100000\n": 1, "250000 100000": 2.5, "max 100000\n": 0, "": 0, "-1 100000": 0, "50000 0": 0} {
		got, ok := parseV2([]byte(in))
		if got != want || ok != (want > 0) {
			t.Errorf("parseV2(%q) = %g, %t; want %g", in, got, ok, want)
		}
	}
}

func TestParseV1(t *testing.T) {
	for _, c := range []struct {
		quota, period string
		want          float64
	}{{"50000\n", "100000\n", 0.5}, {"-1\n", "100000\n", 0}, {"200000", "100000", 2}, {"x", "100000", 0}} {
		got, ok := parseV1([]byte(c.quota), []byte(c.period))
		if got != c.want || ok != (c.want > 0) {
			t.Errorf("parseV1(%q, %q) = %g, %t; want %g", c.quota, c.period, got, ok, c.want)
		}
	}
}

// One P under a limit of one CPU or less; above it, Go's own default stands.
func TestApply(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })
	if got := Apply(0.5); got != 1 || runtime.GOMAXPROCS(0) != 1 {
		t.Errorf("Apply(0.5) = %d, GOMAXPROCS %d; want 1", got, runtime.GOMAXPROCS(0))
	}
	runtime.GOMAXPROCS(3)
	if got := Apply(2); got != 3 {
		t.Errorf("Apply(2) = %d; want GOMAXPROCS left at 3", got)
	}
	if got := Apply(0); got != 3 {
		t.Errorf("Apply(0) (no limit) = %d; want GOMAXPROCS left at 3", got)
	}
}
