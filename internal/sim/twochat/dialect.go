// Package twochat is the 2Chat dialect of wagov-sim, built from 2Chat's public documentation
// (providers.md §2 and the seed documents): the X-User-API-Key header, the /open/whatsapp
// group endpoints, their bodies, the 10-participant cap per write, and the per-member result
// shapes. Importing the package registers the dialect.
package twochat

import (
	"net/http"

	"github.com/wagov/wagov/internal/sim"
)

// Provider is the account type the dialect serves.
const Provider = "TwoChat"

// MaxParticipants is the most participants one write may name; 2Chat documents "up to 10
// participants per invocation".
const MaxParticipants = 10

func init() { sim.Register(Dialect{}) }

// Dialect is the 2Chat HTTP API.
type Dialect struct{}

// Provider returns "TwoChat".
func (Dialect) Provider() string { return Provider }

// Prefix returns "/open/", under which 2Chat serves its API.
func (Dialect) Prefix() string { return "/open/" }

// Credential returns the X-User-API-Key header.
func (Dialect) Credential(r *http.Request) string { return r.Header.Get("X-User-API-Key") }

// errorBody is the simulator's 2Chat error answer. 2Chat documents neither its error status
// codes nor its error body; {"success": false, "error": "..."} is an assumption, shaped like
// its documented {"success": true, ...} answers.
type errorBody struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
}

// Error returns {"success": false, "error": message}.
func (Dialect) Error(_ int, message string) any { return errorBody{Error: message} }

// Members counts the participants array of a write body.
func (Dialect) Members(body []byte) int { return sim.CountParticipants(body) }

// Routes returns 2Chat's group endpoints.
func (Dialect) Routes() []sim.Route {
	return []sim.Route{
		{Pattern: "GET /open/whatsapp/get-numbers", Op: sim.OpAccount, Serve: getNumbers},
		{Pattern: "GET /open/whatsapp/groups/{from_number}", Op: sim.OpList, Serve: listGroups},
		{Pattern: "GET /open/whatsapp/group/{uuid}", Op: sim.OpRead, GroupParam: "uuid", Serve: readGroup},
		{Pattern: "POST /open/whatsapp/group/{uuid}/add-participant", Op: sim.OpAdd, GroupParam: "uuid", Serve: add},
		{Pattern: "POST /open/whatsapp/group/{uuid}/remove-participant", Op: sim.OpRemove, GroupParam: "uuid", Serve: change(sim.OpRemove)},
		{Pattern: "POST /open/whatsapp/group/{uuid}/promote-participant", Op: sim.OpPromote, GroupParam: "uuid", Serve: change(sim.OpPromote)},
		{Pattern: "POST /open/whatsapp/group/{uuid}/demote-participant", Op: sim.OpDemote, GroupParam: "uuid", Serve: change(sim.OpDemote)},
	}
}

func fail(status int, message string) sim.Reply {
	return sim.Reply{Status: status, Body: errorBody{Error: message}}
}
