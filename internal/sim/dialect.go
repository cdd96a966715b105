// dialect.go owns what a provider dialect plugs into: the Dialect interface, the registry of
// dialects by provider type, and the Exchange an endpoint uses to read and change the world.

package sim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wagov/wagov/internal/roster"
)

// Dialect is one provider type's HTTP API over the shared world. A dialect package registers
// itself with Register in its init function; the simulator then authenticates, rate-limits,
// applies faults to and logs every call before an endpoint sees it.
type Dialect interface {
	// Provider is the account type the dialect serves, such as "TwoChat".
	Provider() string
	// Prefix is the path prefix all of the dialect's endpoints live under, such as "/open/";
	// unknown paths under it are answered with the dialect's 404.
	Prefix() string
	// Credential extracts the API key from a request; "" when there is none.
	Credential(r *http.Request) string
	// Error is the body of an error answer with the given status and message.
	Error(status int, message string) any
	// Members counts the participants named in a request body, for the call log.
	Members(body []byte) int
	// Routes are the endpoints the dialect serves.
	Routes() []Route
}

// CountParticipants counts the entries of a request body's top-level "participants" array,
// the shape most providers' write bodies share; a dialect's Members can return it.
func CountParticipants(body []byte) int {
	var req struct {
		Participants []json.RawMessage `json:"participants"`
	}
	if json.Unmarshal(body, &req) != nil {
		return 0
	}
	return len(req.Participants)
}

// Route is one endpoint of a dialect.
type Route struct {
	// Pattern is an http.ServeMux pattern with a method, such as "GET /open/whatsapp/group/{uuid}".
	Pattern string
	// Op is the operation the endpoint performs, one of the Op constants.
	Op string
	// GroupParam names where the request carries the group id, if it does: the path wildcard
	// of that name, or else the query parameter, or else the top-level string field of the
	// JSON body.
	GroupParam string
	// Serve answers an authenticated call. It runs with the world locked.
	Serve func(x *Exchange) Reply
}

// Reply is an endpoint's answer: a status and a body encoded as JSON.
type Reply struct {
	// Status is the HTTP status.
	Status int
	// Body is encoded as JSON.
	Body any
}

var registry = struct {
	sync.Mutex
	byType map[string]Dialect
}{byType: map[string]Dialect{}}

// Register makes a dialect available to every Sim created afterwards. It panics when two
// dialects claim one provider type.
func Register(d Dialect) {
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.byType[d.Provider()]; dup {
		panic("sim: dialect " + d.Provider() + " registered twice")
	}
	registry.byType[d.Provider()] = d
}

func dialectFor(provider string) (Dialect, bool) {
	registry.Lock()
	defer registry.Unlock()
	d, ok := registry.byType[provider]
	return d, ok
}

// dialects returns the registered dialects in provider order.
func dialects() []Dialect {
	registry.Lock()
	defer registry.Unlock()
	ds := make([]Dialect, 0, len(registry.byType))
	for _, d := range registry.byType {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b Dialect) int { return strings.Compare(a.Provider(), b.Provider()) })
	return ds
}

func knownTypes() string {
	var names []string
	for _, d := range dialects() {
		names = append(names, d.Provider())
	}
	if len(names) == 0 {
		return "none (import a dialect package such as internal/sim/twochat)"
	}
	return strings.Join(names, ", ")
}

// Exchange is one authenticated call as an endpoint sees it. Its methods read and change the
// world and are valid only while Serve runs.
type Exchange struct {
	// Request is the HTTP request; its body has been read into Body.
	Request *http.Request
	// Body is the request body.
	Body []byte
	// Account is the authenticated account.
	Account Account

	acct *account
	sim  *Sim
	now  time.Time
}

// Numbers are the account's connected WhatsApp numbers.
func (x *Exchange) Numbers() []roster.Phone { return slices.Clone(x.acct.phones) }

// Owns reports whether p is one of the account's numbers.
func (x *Exchange) Owns(p roster.Phone) bool { return slices.Contains(x.acct.phones, p) }

// Session is the account's id in the provider's terms (see Account.Session).
func (x *Exchange) Session() string { return x.acct.Session }

// LIDOf returns a number's hidden WhatsApp id, "" when the world gives none.
func (x *Exchange) LIDOf(p roster.Phone) string { return x.sim.world.lidOf(p) }

// PhoneOfLID resolves a hidden WhatsApp id to its number, as a provider's LID store would.
func (x *Exchange) PhoneOfLID(lid string) (roster.Phone, bool) { return x.sim.world.phoneOfLID(lid) }

// Registered reports whether a number is on WhatsApp.
func (x *Exchange) Registered(p roster.Phone) bool { return !x.sim.world.people[p].Unregistered }

// ReadGroup returns the group with the given provider id or JID as a read sees it, that is
// read lag behind the truth.
func (x *Exchange) ReadGroup(id string) (GroupState, bool) {
	g, ok := x.sim.world.lookup(id)
	if !ok {
		return GroupState{}, false
	}
	return x.sim.world.state(g, g.seen(x.cutoff())), true
}

// ReadGroups returns every group as a read sees it, in seed order.
func (x *Exchange) ReadGroups() []GroupState {
	out := make([]GroupState, 0, len(x.sim.world.order))
	for _, id := range x.sim.world.order {
		st, _ := x.ReadGroup(id)
		out = append(out, st)
	}
	return out
}

// Add adds phones to the group with the given provider id or JID on behalf of actor, who must be an admin of it. It returns one
// Add* code per phone, or ErrGroupNotFound or ErrNotAdmin for the whole call.
func (x *Exchange) Add(id string, actor roster.Phone, phones []roster.Phone) ([]int, error) {
	return x.sim.world.add(id, actor, phones, x.now, x.cutoff())
}

// Change applies OpRemove, OpPromote or OpDemote to phones in group id on behalf of actor,
// who must be an admin of it, and reports which phones WhatsApp accepted: removing or
// demoting the creator and anything on a non-participant is refused; promoting an admin or
// demoting a member is accepted and changes nothing.
func (x *Exchange) Change(op, id string, actor roster.Phone, phones []roster.Phone) ([]bool, error) {
	return x.sim.world.change(op, id, actor, phones, x.now, x.cutoff())
}

// Target is a participant as a write named them: their number, and whether the request named
// them by their LID.
type Target struct {
	Phone roster.Phone
	ByLID bool
}

// ChangeTargets is Change for dialects whose writes may name members by LID. In a LID-addressed
// group, a promote, demote or remove that names a member by phone number is accepted and
// changes nothing, as several engines do there (wwebjs#3602 and #3631, wa-js#3527,
// evolution-api#1239); the same write naming the member's LID takes effect.
func (x *Exchange) ChangeTargets(op, id string, actor roster.Phone, ts []Target) ([]bool, error) {
	g, ok := x.sim.world.lookup(id)
	if !ok {
		return nil, ErrGroupNotFound
	}
	accepted := make([]bool, len(ts))
	var send []roster.Phone
	var at []int
	for i, t := range ts {
		if g.addressing == "lid" && !t.ByLID && op != OpAdd {
			accepted[i] = true // dropped silently
			continue
		}
		send = append(send, t.Phone)
		at = append(at, i)
	}
	if len(send) == 0 {
		// Still an admin's write: a non-admin is refused as a whole.
		if _, err := x.Change(op, id, actor, nil); err != nil {
			return nil, err
		}
		return accepted, nil
	}
	res, err := x.Change(op, id, actor, send)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		accepted[i] = res[j]
	}
	return accepted, nil
}

// Now is the time of the call by the simulator's clock.
func (x *Exchange) Now() time.Time { return x.now }

func (x *Exchange) cutoff() time.Time { return x.now.Add(-x.sim.lag) }
