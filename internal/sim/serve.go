// serve.go owns the path every provider call takes, whatever its dialect: authenticate,
// rate-limit, apply faults, serve, answer, log the call.

package sim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBody caps the request bodies the simulator reads.
const maxBody = 1 << 20

// routes builds the handler: every dialect's endpoints, a 404 for unknown paths under each
// dialect's prefix, the control API, and a 404 for everything else.
func (s *Sim) routes() http.Handler {
	mux := http.NewServeMux()
	for _, d := range dialects() {
		for _, rt := range d.Routes() {
			mux.Handle(rt.Pattern, s.endpoint(d, rt))
		}
		mux.Handle(d.Prefix(), s.endpoint(d, Route{Op: OpUnknown, Serve: func(*Exchange) Reply {
			return Reply{Status: http.StatusNotFound, Body: d.Error(http.StatusNotFound, "no such endpoint")}
		}}))
	}
	s.controlRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		status := writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such endpoint"})
		s.record(Call{Time: s.now(), Op: OpUnknown, Method: r.Method, Path: r.URL.Path, Status: status})
	})
	return mux
}

// endpoint wraps a dialect's route with the shared plumbing and logs every call.
func (s *Sim) endpoint(d Dialect, rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
		c := Call{
			Time: s.now(), Provider: d.Provider(), Op: rt.Op,
			Method: r.Method, Path: r.URL.Path, Members: d.Members(body),
		}
		if rt.GroupParam != "" {
			c.Group = groupOf(r, body, rt.GroupParam)
		}
		c.Status = s.answer(w, r, d, rt, body, &c)
		s.record(c)
	})
}

// groupOf returns the group id a request names under param: in the path, the query or the
// JSON body, in that order.
func groupOf(r *http.Request, body []byte, param string) string {
	if v := r.PathValue(param); v != "" {
		return v
	}
	if v := r.URL.Query().Get(param); v != "" {
		return v
	}
	var fields map[string]json.RawMessage
	var v string
	if json.Unmarshal(body, &fields) == nil && json.Unmarshal(fields[param], &v) == nil {
		return v
	}
	return ""
}

// answer runs one call through authentication, the rate limit and faults, serves it, and
// returns the status sent. It fills in c.Account.
func (s *Sim) answer(w http.ResponseWriter, r *http.Request, d Dialect, rt Route, body []byte, c *Call) int {
	s.mu.Lock()
	acct := s.world.accounts[d.Credential(r)]
	if acct == nil || acct.Type != d.Provider() {
		s.mu.Unlock()
		return writeJSON(w, http.StatusUnauthorized, d.Error(http.StatusUnauthorized, "invalid or missing API key"))
	}
	c.Account = acct.Name
	if wait := acct.retryAfter(c.Time); wait > 0 {
		s.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
		return writeJSON(w, http.StatusTooManyRequests, d.Error(http.StatusTooManyRequests, "rate limit exceeded"))
	}
	f, faulted := s.faults.take(*c)
	s.mu.Unlock()

	if faulted {
		if !wait(r.Context(), time.Duration(f.Latency)) {
			return 0
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		if f.Status != 0 {
			return writeFault(w, d, f)
		}
		if f.RedirectTo != "" {
			w.Header().Set("Location", strings.TrimSuffix(f.RedirectTo, "/")+r.URL.RequestURI())
			w.WriteHeader(http.StatusTemporaryRedirect)
			return http.StatusTemporaryRedirect
		}
	}
	reply := s.serve(r, body, acct, rt)
	if f.Malformed {
		b, _ := json.Marshal(reply.Body)
		return writeRaw(w, http.StatusOK, b[:len(b)/2])
	}
	return writeJSON(w, reply.Status, reply.Body)
}

// serve runs the endpoint with the world locked.
func (s *Sim) serve(r *http.Request, body []byte, acct *account, rt Route) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return rt.Serve(&Exchange{Request: r, Body: body, Account: acct.Account, acct: acct, sim: s, now: s.now()})
}

func writeFault(w http.ResponseWriter, d Dialect, f Fault) int {
	if f.Body != "" {
		return writeRaw(w, f.Status, []byte(f.Body))
	}
	return writeJSON(w, f.Status, d.Error(f.Status, "injected fault: "+http.StatusText(f.Status)))
}

// wait sleeps for d unless ctx ends first, and reports whether the full time passed.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) int {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode response"}`)
	}
	return writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}
