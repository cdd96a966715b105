package sim_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/sim"
)

func TestControlClientRoundTrip(t *testing.T) {
	f := start(t, sim.Seed{})
	ctx := context.Background()
	c := sim.Control{BaseURL: f.URL + "/", HTTP: f.Client()}

	if err := c.Load(ctx, smallSeed(nil)); err != nil {
		t.Fatal(err)
	}
	g, err := c.Group(ctx, "g1")
	if err != nil || g.JID != "120363000000000001@g.us" || len(g.Participants) != 1 || g.Participants[0].Role != "superadmin" {
		t.Fatalf("Group = %+v, %v", g, err)
	}
	if _, err = c.Group(ctx, "nope"); !errors.Is(err, sim.ErrGroupNotFound) {
		t.Errorf("Group(nope) error %v, want ErrGroupNotFound", err)
	}

	if err = c.SetReadLag(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	f.addNewbie(t)
	if g, _ := c.Group(ctx, "g1"); len(g.Participants) != 2 {
		t.Errorf("control API shows %d participants, want the truth (2)", len(g.Participants))
	}
	if _, _, body := f.read(t); strings.Contains(body, newbie) {
		t.Errorf("a read within the lag shows the write")
	}

	id1, err1 := c.InjectFault(ctx, sim.Fault{Op: sim.OpRead, Status: 503, Times: 1})
	id2, err2 := c.InjectFault(ctx, sim.Fault{Op: sim.OpList, Status: 503})
	if err1 != nil || err2 != nil || id1 == id2 || id1 == 0 {
		t.Fatalf("InjectFault ids %d, %d, errors %v, %v", id1, id2, err1, err2)
	}
	if status, _, _ := f.read(t); status != 503 {
		t.Errorf("faulted read: status %d", status)
	}
	if err = c.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}

	calls, err := c.Calls(ctx)
	if err != nil || len(calls) != 3 || calls[0].Op != sim.OpAdd || calls[1].Op != sim.OpRead || calls[2].Status != 503 {
		t.Fatalf("Calls = %+v, %v", calls, err)
	}
	if err := c.ResetCalls(ctx); err != nil {
		t.Fatal(err)
	}
	if calls, _ := c.Calls(ctx); len(calls) != 0 {
		t.Errorf("after ResetCalls: %d calls", len(calls))
	}
}

func TestControlAPI(t *testing.T) {
	worldYAML, err := os.ReadFile("testdata/world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		has                      string
	}{
		{"load YAML", "PUT", "/_sim/world", string(worldYAML), 204, ""},
		{"load JSON", "PUT", "/_sim/world", `{"accounts":[{"name":"a","type":"TwoChat","apiKey":"x"}]}`, 204, ""},
		{"bad seed", "PUT", "/_sim/world", "accounts:\n- {name: a, type: TwoChat}\n", 400, "accounts[0].apiKey: required"},
		{"seed typo", "PUT", "/_sim/world", "acounts: []\n", 400, "acounts"},
		{"all groups", "GET", "/_sim/groups", "", 200, `"id":"g1"`},
		{"one group", "GET", "/_sim/groups/g1", "", 200, `"jid":"120363000000000001@g.us"`},
		{"unknown group", "GET", "/_sim/groups/nope", "", 404, "group not found"},
		{"calls", "GET", "/_sim/calls", "", 200, "[]"},
		{"reset calls", "DELETE", "/_sim/calls", "", 204, ""},
		{"fault", "POST", "/_sim/faults", `{"op":"add","status":429,"retryAfter":"2","latency":"10ms","times":1}`, 201, `{"id":1}`},
		{"fault with an unknown op", "POST", "/_sim/faults", `{"op":"create"}`, 400, "op"},
		{"fault with an unknown field", "POST", "/_sim/faults", `{"stauts":500}`, 400, "stauts"},
		{"fault with a bad latency", "POST", "/_sim/faults", `{"latency":5}`, 400, "duration"},
		{"clear faults", "DELETE", "/_sim/faults", "", 204, ""},
		{"settings", "PUT", "/_sim/settings", `{"readLag":"2m"}`, 200, `{"readLag":"2m0s"}`},
		{"settings without readLag", "PUT", "/_sim/settings", `{}`, 400, "readLag"},
		{"unknown control path", "GET", "/_sim/nope", "", 404, "no such control endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, smallSeed(nil))
			status, _, body := f.do(t, tt.method, tt.path, tt.body)
			if status != tt.status || !strings.Contains(body, tt.has) {
				t.Errorf("got %d %s, want %d containing %q", status, body, tt.status, tt.has)
			}
			if calls := f.Sim.Calls(); len(calls) != 0 {
				t.Errorf("control calls were logged: %+v", calls)
			}
		})
	}
}

func TestControlLoadReplacesWorld(t *testing.T) {
	f := start(t, smallSeed(nil))
	f.addNewbie(t)
	if status, _, body := f.do(t, http.MethodPut, "/_sim/world", "readLag: 1m\ngroups: []\n"); status != 204 {
		t.Fatalf("load: %d %s", status, body)
	}
	if _, ok := f.Sim.Group("g1"); ok {
		t.Error("g1 survived the load")
	}
	if got := f.Sim.ReadLag(); got != time.Minute {
		t.Errorf("read lag %v, want the seed's 1m", got)
	}
	if status, _, _ := f.read(t); status != http.StatusUnauthorized {
		t.Errorf("old key: status %d, want 401 after the world without accounts", status)
	}
	if len(f.Sim.Calls()) != 2 {
		t.Errorf("the call log did not survive the load")
	}
}
