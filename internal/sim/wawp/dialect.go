// Package wawp is the Wawp dialect of wagov-sim (api.wawp.net, hosted WAHA on the WEBJS engine;
// providers.md §4 and seed 003): instance_id and access_token in the query string of every
// call, WAHA's group paths under /v2 with the session moved to instance_id, the WEBJS
// participant shape {id:{server,user,_serialized}, isAdmin, isSuperAdmin}, the WEBJS add result
// keyed by participant id, {"ok": true} for remove, promote and demote, and Wawp's error body
// {status, message, error}, and the instance's LID list (GET /v2/lids, from Wawp's "Get LIDs
// Mapping" page). Importing the package registers the dialect (and WAHA's, whose core it
// shares).
package wawp

import (
	"net/http"

	"github.com/wagov/wagov/internal/sim"
)

// Provider is the account type the dialect serves.
const Provider = "Wawp"

func init() { sim.Register(Dialect{}) }

// Dialect is the Wawp HTTP API.
type Dialect struct{}

// Provider returns "Wawp".
func (Dialect) Provider() string { return Provider }

// Prefix returns "/v2/", under which Wawp serves its API.
func (Dialect) Prefix() string { return "/v2/" }

// Credential returns the access_token query parameter.
func (Dialect) Credential(r *http.Request) string { return r.URL.Query().Get("access_token") }

// errorBody is Wawp's ErrorResponse schema (its OpenAPI export: status, message, error).
type errorBody struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

// Error returns {status, message, error}.
func (Dialect) Error(status int, message string) any {
	return errorBody{Status: status, Message: message, Error: http.StatusText(status)}
}

// Members counts the participants of a write body.
func (Dialect) Members(body []byte) int { return sim.CountParticipants(body) }

// Routes returns Wawp's session identity read, LID list and group participant endpoints.
func (Dialect) Routes() []sim.Route {
	const group = "/v2/groups/{id}"
	return []sim.Route{
		{Pattern: "GET /v2/session/me", Op: sim.OpAccount, Serve: me},
		{Pattern: "GET /v2/lids", Op: sim.OpAccount, Serve: lids},
		{Pattern: "GET " + group + "/participants", Op: sim.OpRead, GroupParam: "id", Serve: participants},
		{Pattern: "POST " + group + "/participants/add", Op: sim.OpAdd, GroupParam: "id", Serve: add},
		{Pattern: "POST " + group + "/participants/remove", Op: sim.OpRemove, GroupParam: "id", Serve: change(sim.OpRemove)},
		{Pattern: "POST " + group + "/admin/promote", Op: sim.OpPromote, GroupParam: "id", Serve: change(sim.OpPromote)},
		{Pattern: "POST " + group + "/admin/demote", Op: sim.OpDemote, GroupParam: "id", Serve: change(sim.OpDemote)},
	}
}

func fail(status int, message string) sim.Reply {
	return sim.Reply{Status: status, Body: errorBody{Status: status, Message: message, Error: http.StatusText(status)}}
}
