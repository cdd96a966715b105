// Package evolution is the Evolution API v2 dialect of wagov-sim, built from providers.md §7 and
// the Evolution source it cites: the apikey header, the instance name in the path, the group JID
// in the groupJid query, the participants read, the single updateParticipant write with its
// action field and Baileys' per-member results, the {status, error, response:{message}} error
// shape, and createJid's rewriting of Brazilian, Mexican and Argentinian numbers. Importing the
// package registers the dialect.
package evolution

import (
	"fmt"
	"net/http"

	"github.com/wagov/wagov/internal/sim"
)

// Provider is the account type the dialect serves.
const Provider = "Evolution"

func init() { sim.Register(Dialect{}) }

// Dialect is the Evolution HTTP API. The account's Session is the instance name.
type Dialect struct{}

// Provider returns "Evolution".
func (Dialect) Provider() string { return Provider }

// Prefix returns "/group/". Evolution serves its API at the root, under "/group/" and
// "/instance/"; a dialect claims one prefix for its 404 answer, and the group paths are the ones
// clients call. Unknown "/instance/" paths get the simulator's own 404.
func (Dialect) Prefix() string { return "/group/" }

// Credential returns the apikey header.
func (Dialect) Credential(r *http.Request) string { return r.Header.Get("apikey") }

// errorBody is Evolution's error answer (src/main.ts): the exception's status and name, and its
// message, a string or a list.
type errorBody struct {
	Status   int    `json:"status"`
	Error    string `json:"error"`
	Response struct {
		Message any `json:"message"`
	} `json:"response"`
}

// Error returns {"status": status, "error": <status text>, "response": {"message": [message]}}.
func (Dialect) Error(status int, message string) any { return newError(status, []string{message}) }

func newError(status int, message any) errorBody {
	b := errorBody{Status: status, Error: http.StatusText(status)}
	b.Response.Message = message
	return b
}

// Members counts the participants array of a write body.
func (Dialect) Members(body []byte) int { return sim.CountParticipants(body) }

// groupParam is the query parameter that names the group; the routes give it as their
// GroupParam, which the simulator also looks up in the query.
const groupParam = "groupJid"

// Routes returns Evolution's instance and group endpoints.
func (Dialect) Routes() []sim.Route {
	return []sim.Route{
		{Pattern: "GET /instance/fetchInstances", Op: sim.OpAccount, Serve: fetchInstances},
		{Pattern: "GET /instance/connectionState/{instance}", Op: sim.OpAccount, Serve: inInstance(connectionState)},
		{Pattern: "GET /group/fetchAllGroups/{instance}", Op: sim.OpList, Serve: inInstance(fetchAllGroups)},
		{Pattern: "GET /group/findGroupInfos/{instance}", Op: sim.OpRead, GroupParam: groupParam, Serve: inInstance(findGroupInfos)},
		{Pattern: "GET /group/participants/{instance}", Op: sim.OpRead, GroupParam: groupParam, Serve: inInstance(participants)},
		{Pattern: "POST /group/updateParticipant/{instance}", Op: opOfAction, GroupParam: groupParam, Serve: inInstance(updateParticipant)},
	}
}

// opOfAction labels every updateParticipant call in the call log. The call log takes one Op
// per route, and Evolution's one write route carries all four operations in its body; "add" is
// what a fault on this route matches.
const opOfAction = sim.OpAdd

// inInstance answers 404 unless the path names the account's instance, as Evolution's
// instanceExistsGuard does, and otherwise serves the call.
func inInstance(serve func(*sim.Exchange) sim.Reply) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		if name := x.Request.PathValue("instance"); name != x.Session() {
			return fail(http.StatusNotFound, fmt.Sprintf("The %q instance does not exist", name))
		}
		return serve(x)
	}
}

func fail(status int, messages ...any) sim.Reply {
	return sim.Reply{Status: status, Body: newError(status, messages)}
}
