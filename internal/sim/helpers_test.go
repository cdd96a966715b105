package sim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/sim/simtest"
	_ "github.com/wagov/wagov/internal/sim/twochat"
)

const (
	apiKey = "k1"
	owner  = "+12123334444"
	newbie = "+447700176576"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// smallSeed is one 2Chat account that created one group, "g1".
func smallSeed(rl *sim.RateLimit) sim.Seed {
	return sim.Seed{
		Accounts: []sim.Account{{Name: "acme", Type: "TwoChat", APIKey: apiKey, Numbers: []string{owner}, RateLimit: rl}},
		Groups: []sim.SeedGroup{{ID: "g1", JID: "120363000000000001@g.us", Name: "G",
			Participants: []sim.SeedMember{{Phone: owner, Role: "superadmin"}}}},
	}
}

type fixture struct {
	sim   *sim.Sim
	clock *simtest.Clock
	srv   *httptest.Server
}

func start(t *testing.T, seed sim.Seed, opts ...sim.Option) fixture {
	t.Helper()
	clock := simtest.NewClock(epoch)
	s, err := sim.New(seed, append([]sim.Option{sim.WithClock(clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return fixture{sim: s, clock: clock, srv: srv}
}

// do sends a request with the 2Chat API key and returns the answer with its body read.
func (f fixture) do(t *testing.T, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-User-API-Key", apiKey)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func (f fixture) read(t *testing.T) (*http.Response, string) {
	return f.do(t, http.MethodGet, "/open/whatsapp/group/g1", "")
}

func (f fixture) addNewbie(t *testing.T) (*http.Response, string) {
	return f.do(t, http.MethodPost, "/open/whatsapp/group/g1/add-participant",
		`{"from_number":"`+owner+`","participants":["`+newbie+`"]}`)
}

// has reports whether the true state of g1 includes the newbie.
func (f fixture) has(t *testing.T) bool {
	t.Helper()
	g, _ := f.sim.Group("g1")
	for _, m := range g.Participants {
		if m.Phone == newbie {
			return true
		}
	}
	return false
}
