package httpx_test

import (
	"errors"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name, value string // "" with absent: no header at all
		absent      bool
		want        time.Duration
	}{
		{name: "absent", absent: true, want: 0},
		{name: "empty", value: "", want: 0},
		{name: "seconds", value: "7", want: 7 * time.Second},
		{name: "seconds with spaces", value: "  120 ", want: 2 * time.Minute},
		{name: "zero", value: "0", want: 0},
		{name: "negative", value: "-5", want: 0},
		{name: "very negative", value: "-99999999999999999999", want: 0},
		{name: "fraction", value: "1.5", want: 0},
		{name: "garbage", value: "soon", want: 0},
		{name: "seconds then garbage", value: "7 seconds", want: 0},
		{name: "more seconds than a Duration holds", value: "9999999999999", want: math.MaxInt64},
		{name: "seconds that would wrap negative", value: "9300000000", want: math.MaxInt64},
		{name: "more seconds than an int64 holds", value: "99999999999999999999", want: math.MaxInt64},
		{name: "HTTP-date", value: "Sun, 01 Mar 2026 12:01:30 GMT", want: 90 * time.Second},
		{name: "HTTP-date, RFC 850 form", value: "Sunday, 01-Mar-26 12:01:30 GMT", want: 90 * time.Second},
		{name: "HTTP-date, asctime form", value: "Sun Mar  1 12:01:30 2026", want: 90 * time.Second},
		{name: "HTTP-date now", value: "Sun, 01 Mar 2026 12:00:00 GMT", want: 0},
		{name: "HTTP-date in the past", value: "Sun, 01 Mar 2026 11:59:00 GMT", want: 0},
		{name: "HTTP-date with a bad zone", value: "Sun, 01 Mar 2026 12:01:30 CET", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if !tt.absent {
				h.Set("Retry-After", tt.value)
			}
			if got := httpx.RetryAfter(h, now); got != tt.want {
				t.Errorf("RetryAfter(%q) = %s, want %s", tt.value, got, tt.want)
			}
		})
	}
}

func TestStatusErrorRateLimited(t *testing.T) {
	r := &httpx.Response{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"7"}}}
	err := httpx.StatusError("add", r, "slow down")
	if !errors.Is(err, provider.ErrRateLimited) {
		t.Fatalf("error %v does not wrap ErrRateLimited", err)
	}
	if d, ok := provider.RetryAfter(err); !ok || d != 7*time.Second {
		t.Errorf("RetryAfter = %s, %v; want 7s, true", d, ok)
	}
}

func TestScrub(t *testing.T) {
	tests := []struct {
		message string
		secrets []string
		want    string
	}{
		{"invalid key k-123 (k-123)", []string{"k-123"}, "invalid key [redacted] ([redacted])"},
		{"user:pw refused", []string{"", "user:pw"}, "[redacted] refused"},
		{"nothing secret", []string{""}, "nothing secret"},
		{"nothing secret", nil, "nothing secret"},
	}
	for _, tt := range tests {
		if got := httpx.Scrub(tt.message, tt.secrets...); got != tt.want {
			t.Errorf("Scrub(%q, %q) = %q, want %q", tt.message, tt.secrets, got, tt.want)
		}
	}
}
