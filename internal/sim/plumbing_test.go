package sim_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/sim/simtest"
)

func TestRateLimit(t *testing.T) {
	tests := []struct {
		name       string
		limit      sim.RateLimit
		allowed    int
		retryAfter string
		refill     time.Duration
	}{
		{"60/min burst 2", sim.RateLimit{RequestsPerMinute: 60, Burst: 2}, 2, "1", time.Second},
		{"6/min burst 1", sim.RateLimit{RequestsPerMinute: 6}, 1, "10", 10 * time.Second},
		{"0.5/min burst 3", sim.RateLimit{RequestsPerMinute: 0.5, Burst: 3}, 3, "120", 2 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, smallSeed(&tt.limit))
			for i := range tt.allowed {
				// Reads and writes draw from the same bucket.
				call := f.read
				if i%2 == 1 {
					call = f.addNewbie
				}
				if status, _, body := call(t); status != http.StatusOK {
					t.Fatalf("call %d: status %d: %s", i, status, body)
				}
			}
			status, header, body := f.read(t)
			if status != http.StatusTooManyRequests || header.Get("Retry-After") != tt.retryAfter {
				t.Fatalf("got %d Retry-After %q, want 429 Retry-After %q", status, header.Get("Retry-After"), tt.retryAfter)
			}
			if !strings.Contains(body, `"success":false`) {
				t.Errorf("429 body %s lacks the error shape", body)
			}
			calls := f.Sim.Calls()
			if last := calls[len(calls)-1]; last.Status != 429 || last.Account != "acme" {
				t.Errorf("logged %+v", last)
			}
			f.Clock.Advance(tt.refill - time.Millisecond)
			if status, _, _ := f.read(t); status != http.StatusTooManyRequests {
				t.Errorf("just before the refill: status %d, want 429", status)
			}
			f.Clock.Advance(time.Millisecond)
			if status, _, _ := f.read(t); status != http.StatusOK {
				t.Errorf("after the refill: status %d, want 200", status)
			}
		})
	}
}

func TestReadLag(t *testing.T) {
	f := start(t, smallSeed(nil), sim.WithReadLag(2*time.Minute))
	if status, _, body := f.addNewbie(t); status != http.StatusOK {
		t.Fatalf("add: %d %s", status, body)
	}
	if !f.has(t) {
		t.Fatal("the truth lacks the added member at once")
	}
	steps := []struct {
		advance time.Duration
		visible bool
	}{{0, false}, {time.Minute, false}, {time.Minute - time.Second, false}, {time.Second, true}, {time.Hour, true}}
	for _, st := range steps {
		f.Clock.Advance(st.advance)
		_, _, body := f.read(t)
		if got := strings.Contains(body, newbie); got != st.visible {
			t.Errorf("at +%v after the write: visible = %v, want %v", f.Clock.Now().Sub(simtest.Epoch), got, st.visible)
		}
	}
}

func TestFaults(t *testing.T) {
	type want struct {
		status     int
		retryAfter string
		body       string // exact body, when set
		validJSON  bool
		added      bool
	}
	ok := want{status: 200, validJSON: true, added: true}
	tests := []struct {
		name  string
		fault sim.Fault
		want  want
	}{
		{"status with the dialect's error", sim.Fault{Status: 503},
			want{status: 503, body: `{"success":false,"error":"injected fault: Service Unavailable"}`, validJSON: true}},
		{"429 with Retry-After", sim.Fault{Status: 429, RetryAfter: "2"}, want{status: 429, retryAfter: "2", validJSON: true}},
		{"raw body", sim.Fault{Status: 500, Body: "<html>oops</html>"}, want{status: 500, body: "<html>oops</html>"}},
		{"malformed, the write still happens", sim.Fault{Malformed: true}, want{status: 200, added: true}},
		{"latency", sim.Fault{Latency: sim.Duration(20 * time.Millisecond)}, ok},
		{"matching op", sim.Fault{Op: sim.OpAdd, Status: 502}, want{status: 502, validJSON: true}},
		{"matching group and provider", sim.Fault{Provider: "TwoChat", Group: "g1", Status: 502}, want{status: 502, validJSON: true}},
		{"other op", sim.Fault{Op: sim.OpRead, Status: 502}, ok},
		{"other group", sim.Fault{Group: "g2", Status: 502}, ok},
		{"other provider", sim.Fault{Provider: "Wasend", Status: 502}, ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, smallSeed(nil))
			f.Sim.InjectFault(tt.fault)
			began := time.Now()
			status, header, body := f.addNewbie(t)
			if took := time.Since(began); took < time.Duration(tt.fault.Latency) {
				t.Errorf("answered after %v, before the latency %v", took, time.Duration(tt.fault.Latency))
			}
			if status != tt.want.status || header.Get("Retry-After") != tt.want.retryAfter {
				t.Errorf("got %d Retry-After %q, want %d %q", status, header.Get("Retry-After"), tt.want.status, tt.want.retryAfter)
			}
			if tt.want.body != "" && body != tt.want.body {
				t.Errorf("body %s, want %s", body, tt.want.body)
			}
			if json.Valid([]byte(body)) != tt.want.validJSON {
				t.Errorf("body %q: valid JSON = %v, want %v", body, !tt.want.validJSON, tt.want.validJSON)
			}
			if f.has(t) != tt.want.added {
				t.Errorf("member added = %v, want %v", !tt.want.added, tt.want.added)
			}
			if calls := f.Sim.Calls(); len(calls) != 1 || calls[0].Status != tt.want.status {
				t.Errorf("logged %+v, want one call with status %d", calls, tt.want.status)
			}
		})
	}
}

func TestFaultTimesAndClear(t *testing.T) {
	f := start(t, smallSeed(nil))
	f.Sim.InjectFault(sim.Fault{Op: sim.OpRead, Status: 502, Times: 2})
	for i, want := range []int{502, 502, 200} {
		if status, _, _ := f.read(t); status != want {
			t.Errorf("read %d: status %d, want %d", i, status, want)
		}
	}
	f.Sim.InjectFault(sim.Fault{Status: 503})
	f.Sim.ClearFaults()
	if status, _, _ := f.read(t); status != http.StatusOK {
		t.Errorf("after ClearFaults: status %d", status)
	}
}

func TestUnknownPaths(t *testing.T) {
	tests := []struct{ path, provider, body string }{
		{"/open/whatsapp/nope", "TwoChat", `{"success":false,"error":"no such endpoint"}`},
		{"/elsewhere", "", `{"error":"no such endpoint"}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f := start(t, smallSeed(nil))
			status, _, body := f.do(t, http.MethodGet, tt.path, "")
			if status != http.StatusNotFound || body != tt.body {
				t.Errorf("got %d %s, want 404 %s", status, body, tt.body)
			}
			calls := f.Sim.Calls()
			if len(calls) != 1 || calls[0].Op != sim.OpUnknown || calls[0].Provider != tt.provider || calls[0].Status != 404 {
				t.Errorf("logged %+v", calls)
			}
		})
	}
}
