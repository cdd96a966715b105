// Package waha is the WAHA dialect of wagov-sim (self-hosted devlikeapro/waha, providers.md §6),
// serving the NOWEB engine (Baileys): the X-Api-Key header, the session name in the path,
// group JIDs, GET /participants/v2 with roles, the four participant writes answered with
// Baileys' per-participant results, the session's LID store, NestJS error bodies, and
// WhatsApp's own refusals as 500s carrying the IQ error text. The world's sessions are always
// WORKING: WAHA's 422 for one that is not, and GOWS's empty participant list, are answers a
// test injects as faults (see TestFaultBodies). Importing the package registers the dialect.
//
// core.go is shared with the Wawp dialect (hosted WAHA), which imports this package.
package waha

import (
	"net/http"

	"github.com/wagov/wagov/internal/sim"
)

// Provider is the account type the dialect serves.
const Provider = "WAHA"

// Engine is the WAHA engine the dialect serves, as GET /api/sessions/{session} reports it.
const Engine = "NOWEB"

func init() { sim.Register(Dialect{}) }

// Dialect is the WAHA HTTP API.
type Dialect struct{}

// Provider returns "WAHA".
func (Dialect) Provider() string { return Provider }

// Prefix returns "/api/", under which WAHA serves its API.
func (Dialect) Prefix() string { return "/api/" }

// Credential returns the X-Api-Key header.
func (Dialect) Credential(r *http.Request) string { return r.Header.Get("X-Api-Key") }

// Error returns NestJS's body for status: {statusCode, message, error} for an HttpException,
// and WAHA's exception filter body for a 5xx.
func (Dialect) Error(status int, message string) any {
	if status >= 500 {
		return serverError{StatusCode: status, Exception: exception{Message: message, Name: "Error"}, Version: version}
	}
	return httpException{StatusCode: status, Message: message, Error: http.StatusText(status)}
}

// Members counts the participants of a write body.
func (Dialect) Members(body []byte) int { return sim.CountParticipants(body) }

// Routes returns WAHA's session read, group participant endpoints and LID lookup.
func (Dialect) Routes() []sim.Route {
	const group = "/api/{session}/groups/{id}"
	return []sim.Route{
		{Pattern: "GET /api/sessions/{session}", Op: sim.OpAccount, Serve: sessionInfo},
		{Pattern: "GET /api/{session}/lids/{lid}", Op: sim.OpAccount, Serve: lidLookup},
		{Pattern: "GET " + group + "/participants/v2", Op: sim.OpRead, GroupParam: "id", Serve: participants},
		{Pattern: "POST " + group + "/participants/add", Op: sim.OpAdd, GroupParam: "id", Serve: write(sim.OpAdd)},
		{Pattern: "POST " + group + "/participants/remove", Op: sim.OpRemove, GroupParam: "id", Serve: write(sim.OpRemove)},
		{Pattern: "POST " + group + "/admin/promote", Op: sim.OpPromote, GroupParam: "id", Serve: write(sim.OpPromote)},
		{Pattern: "POST " + group + "/admin/demote", Op: sim.OpDemote, GroupParam: "id", Serve: write(sim.OpDemote)},
	}
}
