// server.go owns a simulator served over HTTP for one test, and the requests a test sends it.

package simtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/sim"
)

// Epoch is the time a Start simulator's Clock shows until the test advances it.
var Epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Server is a simulator served over HTTP until the test that started it ends.
type Server struct {
	// Server serves the simulator; its URL is the simulator's base URL.
	*httptest.Server
	// Sim is the simulator, for its groups, call log and faults.
	Sim *sim.Sim
	// Clock is the simulator's clock as Start set it; nil where Serve left it on real time.
	Clock *Clock
}

// Serve serves a simulator built from seed and opts (on real time unless opts say otherwise).
func Serve(t testing.TB, seed sim.Seed, opts ...sim.Option) *Server {
	t.Helper()
	s, err := sim.New(seed, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &Server{Server: srv, Sim: s}
}

// Start serves a simulator built from seed and opts on a Clock that shows Epoch.
func Start(t testing.TB, seed sim.Seed, opts ...sim.Option) *Server {
	t.Helper()
	clock := NewClock(Epoch)
	s := Serve(t, seed, append([]sim.Option{sim.WithClock(clock.Now)}, opts...)...)
	s.Clock = clock
	return s
}

// LoadSeed reads the seed file at path, failing the test if it cannot.
func LoadSeed(t testing.TB, path string) sim.Seed {
	t.Helper()
	seed, err := sim.LoadSeedFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

// JSONHeader is the header of a JSON request that carries name: value, or no name where value
// is empty.
func JSONHeader(name, value string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if value != "" {
		h.Set(name, value)
	}
	return h
}

// Do sends method path (below the server's URL) with exactly header and body, and returns the
// answer's status, header and body.
func (s *Server) Do(t testing.TB, method, path string, header http.Header, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if header != nil {
		req.Header = header.Clone()
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}
