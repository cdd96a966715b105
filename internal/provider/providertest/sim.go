// sim.go owns what client tests do against wagov-sim: start it from the test's seed, read a
// group's truth, and the checks every client must pass against it in the same way.

package providertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/sim/simtest"
)

// StartSim serves testdata/world.yaml on real time until the test ends, and returns the
// simulator and its URL.
func StartSim(t testing.TB) (*sim.Sim, string) {
	t.Helper()
	s := simtest.Serve(t, simtest.LoadSeed(t, "testdata/world.yaml"))
	return s.Sim, s.URL
}

// Roles returns the participants of a group as the simulator holds them, by phone; it fails
// the test if there is no such group.
func Roles(t testing.TB, s *sim.Sim, group string) map[roster.Phone]roster.Role {
	t.Helper()
	out := map[roster.Phone]roster.Role{}
	for phone, role := range simtest.Roles(t, s, group) {
		out[roster.MustNormalize(phone)] = roster.Role(role)
	}
	return out
}

// Numbers returns n numbers: format filled in with 0 to n-1.
func Numbers(format string, n int) []roster.Phone {
	out := make([]roster.Phone, n)
	for i := range out {
		out[i] = roster.MustNormalize(fmt.Sprintf(format, i))
	}
	return out
}

// SimClient builds the client under test for the simulator at endpoint.
type SimClient func(t *testing.T, endpoint string) provider.Client

// AssertRateLimited answers an add of member to group with a 429 carrying each kind of
// Retry-After, on a fresh simulator each time, and checks that the client reports the wait
// as a *provider.RateLimitedError that shows none of secrets, and that the group is unchanged.
func AssertRateLimited(t *testing.T, client SimClient, group string, member roster.Phone, secrets ...string) {
	inNinety := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		retryAfter string
		min, max   time.Duration
	}{
		{"seconds", "7", 7 * time.Second, 7 * time.Second},
		// An HTTP-date has whole seconds and is read a moment after it was written.
		{"HTTP-date", inNinety, 85 * time.Second, 90 * time.Second},
		{"absent", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, endpoint := StartSim(t)
			before := Roles(t, s, group)
			s.InjectFault(sim.Fault{Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter})

			_, err := client(t, endpoint).Change(context.Background(), group, roster.OpAdd, []roster.Phone{member})
			AssertFailed(t, err, provider.ErrRateLimited, secrets...)
			var rl *provider.RateLimitedError
			if !errors.As(err, &rl) {
				t.Fatalf("error %v is not a *provider.RateLimitedError", err)
			}
			if d, _ := provider.RetryAfter(err); d != rl.RetryAfter || d < tt.min || d > tt.max {
				t.Errorf("retry after %s, want %s to %s", d, tt.min, tt.max)
			}
			if after := Roles(t, s, group); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused add changed the group: %v, was %v", after, before)
			}
		})
	}
}

// AssertRefusedBeforeCalling checks that every write of the members over, and of no member,
// to group fails with ErrInvalidRequest, showing none of secrets, before the client calls a
// fresh simulator.
func AssertRefusedBeforeCalling(t *testing.T, client SimClient, group string, over []roster.Phone, secrets ...string) {
	for _, members := range [][]roster.Phone{over, nil} {
		for _, op := range []roster.Op{roster.OpAdd, roster.OpRemove, roster.OpPromote, roster.OpDemote} {
			t.Run(fmt.Sprintf("%s %d", op, len(members)), func(t *testing.T) {
				s, endpoint := StartSim(t)
				_, err := client(t, endpoint).Change(context.Background(), group, op, members)
				AssertFailed(t, err, provider.ErrInvalidRequest, secrets...)
				if calls := s.Calls(); len(calls) != 0 {
					t.Errorf("the client called the provider: %+v", calls)
				}
			})
		}
	}
}

// AddCase is one member of an add and the code and result the client must report for it.
type AddCase struct {
	// Member is the number added.
	Member roster.Phone
	// Code is the per-member code the client must pass on.
	Code int
	// Want is the result the client must report.
	Want provider.Result
}

// AssertAddOutcomes adds the members of cases to group in one call of c, checks the outcome
// reported for each, in order, and returns the outcomes.
func AssertAddOutcomes(t testing.TB, c provider.Client, group string, cases []AddCase) []provider.Outcome {
	t.Helper()
	members := make([]roster.Phone, len(cases))
	for i, tc := range cases {
		members[i] = tc.Member
	}
	got, err := c.Change(context.Background(), group, roster.OpAdd, members)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cases) {
		t.Fatalf("%d outcomes for %d members", len(got), len(cases))
	}
	for i, tc := range cases {
		if o := got[i]; o.Member != tc.Member || o.Code != tc.Code || o.Result != tc.Want {
			t.Errorf("outcome %+v, want %s code %d → %s", o, tc.Member.E164(), tc.Code, tc.Want)
		}
	}
	return got
}
