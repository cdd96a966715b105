package twochat_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/wagov/wagov/internal/provider/providertest"
	"github.com/wagov/wagov/internal/provider/twochat"
	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/sim/simtest"
)

// BenchmarkReadGroup256 reads a 256-participant group, as wagov-sim's 2Chat dialect renders
// it, from a server that answers at once: the client's cost of the one call a group costs at
// rest, the loopback HTTP round trip included.
func BenchmarkReadGroup256(b *testing.B) {
	const group = "WAG00000000-0000-4000-8000-000000000256"
	seed := sim.Seed{Accounts: []sim.Account{{Name: "bench", Type: twochat.TypeName, APIKey: apiKey, Numbers: []string{from}}}}
	g := sim.SeedGroup{ID: group, JID: "120363042000000256@g.us", Participants: []sim.SeedMember{{Phone: creator.E164(), Role: "superadmin"}, {Phone: from, Role: "admin"}}}
	for i := range 254 {
		g.Participants = append(g.Participants, sim.SeedMember{Phone: fmt.Sprintf("+4477009%05d", i)})
	}
	seed.Groups = []sim.SeedGroup{g}
	body := readOnce(b, simtest.Serve(b, seed).URL+"/open/whatsapp/group/"+group)
	srv := providertest.Serve(b, providertest.Always(http.StatusOK, body))
	c := providertest.NewClient(b, twochat.New, srv.URL, from, apiKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ReadGroup(context.Background(), group); err != nil {
			b.Fatal(err)
		}
	}
}

// readOnce returns the body the simulator answers a read with.
func readOnce(b *testing.B, url string) []byte {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("X-User-API-Key", apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("read the simulator's group: %s %v", resp.Status, err)
	}
	return body
}
