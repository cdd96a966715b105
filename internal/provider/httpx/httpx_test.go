package httpx_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
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
		{"basic dXNlcjpwdw== refused", []string{"user:pw"}, "basic [redacted] refused"},
		{"query ?key=a%2Fb%3Dc&x=1", []string{"a/b=c"}, "query ?key=[redacted]&x=1"},
		{"path /k/a%2Fb", []string{"a/b"}, "path /k/[redacted]"},
		{"url-safe base64 YS9iPz8-", []string{"a/b??>"}, "url-safe base64 [redacted]"},
	}
	for _, tt := range tests {
		if got := httpx.Scrub(tt.message, tt.secrets...); got != tt.want {
			t.Errorf("Scrub(%q, %q) = %q, want %q", tt.message, tt.secrets, got, tt.want)
		}
	}
}

// A redirect to another host never carries the credential there, and https is never downgraded.
func TestRedirectsStayOnTheHost(t *testing.T) {
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = append(leaked, r.Header.Get("X-User-Api-Key")+r.URL.RawQuery)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/stolen?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/landed", http.StatusTemporaryRedirect)
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	defer srv.Close()
	hc := httpx.NewClient(&http.Client{Timeout: 2 * time.Second}, nil)
	header := http.Header{"X-User-Api-Key": {"s3cret"}}
	if _, err := httpx.Do(context.Background(), hc, http.MethodGet, srv.URL+"/away?token=s3cret", header, nil); !errors.Is(err, provider.ErrUnavailable) {
		t.Errorf("redirect to another host: err %v, want ErrUnavailable", err)
	} else if errText := err.Error(); strings.Contains(errText, "s3cret") {
		t.Errorf("the error shows the credential: %s", errText)
	}
	if len(leaked) != 0 {
		t.Errorf("the other host received %q", leaked)
	}
	if r, err := httpx.Do(context.Background(), hc, http.MethodGet, srv.URL+"/here", header, nil); err != nil || r.Status != http.StatusOK {
		t.Errorf("redirect on the same host: %v, %v; want it followed", r, err)
	}
	if err := httpx.SafeRedirect(mustRequest(t, "http://api.example/x"), []*http.Request{mustRequest(t, "https://api.example/y")}); err == nil {
		t.Error("https to http on the same host was allowed")
	}
}

// Every request takes a token first; one that gets none is not sent, and says how long to wait.
func TestEveryRequestIsCharged(t *testing.T) {
	sent := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sent++ }))
	defer srv.Close()
	tokens := 2
	taken := 0
	hc := httpx.NewClient(nil, func(context.Context) (time.Duration, error) {
		if tokens == 0 {
			return 3 * time.Second, nil
		}
		tokens--
		taken++
		return 0, nil
	})
	for range 3 {
		_, err := httpx.Do(context.Background(), hc, http.MethodGet, srv.URL, nil, nil)
		if wait, ok := provider.BudgetWait(err); err != nil && (!ok || wait != 3*time.Second) {
			t.Fatalf("err %v, want nil or a 3s budget wait", err)
		}
	}
	if sent != 2 || taken != 2 {
		t.Errorf("sent %d requests for %d tokens taken, want 2 and 2", sent, taken)
	}
	// A prepaid token pays for one request, and only one.
	ctx := httpx.Prepaid(context.Background(), 1)
	if _, err := httpx.Do(ctx, hc, http.MethodGet, srv.URL, nil, nil); err != nil || sent != 3 {
		t.Errorf("prepaid request: %v, %d sent; want it sent without a token", err, sent)
	}
	if _, err := httpx.Do(ctx, hc, http.MethodGet, srv.URL, nil, nil); !errors.Is(err, provider.ErrBudget) || sent != 3 {
		t.Errorf("second request on one prepaid token: %v, %d sent; want it held for the budget", err, sent)
	}
}

func mustRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The client's Timeout bounds the whole exchange, the body included, and a provider that does
// not answer in time is unavailable, not a cancelled sync; the caller's own context still
// cancels as itself.
func TestTimeoutCoversTheBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"data":`))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	hc := httpx.NewClient(&http.Client{Timeout: 200 * time.Millisecond}, nil)
	for _, path := range []string{"/slow-headers", "/slow-body"} {
		done := make(chan error, 1)
		go func() {
			_, err := httpx.Do(context.Background(), hc, http.MethodGet, srv.URL+path, nil, nil)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, provider.ErrUnavailable) {
				t.Errorf("%s: err %v, want ErrUnavailable", path, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the request outlived its client's Timeout", path)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := httpx.Do(ctx, hc, http.MethodGet, srv.URL+"/slow-headers", nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled by the caller: err %v, want context.Canceled", err)
	}
}
