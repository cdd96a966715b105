package sim_test

import (
	"net/http"
	"testing"

	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/sim/simtest"
	_ "github.com/wagov/wagov/internal/sim/twochat"
)

const (
	apiKey = "k1"
	owner  = "+12123334444"
	newbie = "+447700176576"
)

// smallSeed is one 2Chat account that created one group, "g1".
func smallSeed(rl *sim.RateLimit) sim.Seed {
	return sim.Seed{
		Accounts: []sim.Account{{Name: "acme", Type: "TwoChat", APIKey: apiKey, Numbers: []string{owner}, RateLimit: rl}},
		Groups: []sim.SeedGroup{{ID: "g1", JID: "120363000000000001@g.us", Name: "G",
			Participants: []sim.SeedMember{{Phone: owner, Role: "superadmin"}}}},
	}
}

// fixture is the simulator a test runs against, on a clock it moves.
type fixture struct{ *simtest.Server }

func start(t *testing.T, seed sim.Seed, opts ...sim.Option) fixture {
	t.Helper()
	return fixture{simtest.Start(t, seed, opts...)}
}

// do sends a request with the 2Chat API key and returns the answer's status, header and body.
func (f fixture) do(t *testing.T, method, path, body string) (int, http.Header, string) {
	t.Helper()
	status, header, b := f.Do(t, method, path, http.Header{"X-User-Api-Key": {apiKey}}, body)
	return status, header, string(b)
}

func (f fixture) read(t *testing.T) (int, http.Header, string) {
	return f.do(t, http.MethodGet, "/open/whatsapp/group/g1", "")
}

func (f fixture) addNewbie(t *testing.T) (int, http.Header, string) {
	return f.do(t, http.MethodPost, "/open/whatsapp/group/g1/add-participant",
		`{"from_number":"`+owner+`","participants":["`+newbie+`"]}`)
}

// has reports whether the true state of g1 includes the newbie.
func (f fixture) has(t *testing.T) bool {
	t.Helper()
	g, _ := f.Sim.Group("g1")
	for _, m := range g.Participants {
		if m.Phone == newbie {
			return true
		}
	}
	return false
}
