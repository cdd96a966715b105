// Package wasend is the Wasend dialect of wagov-sim, built from Wasend's website documentation
// and its official SDK @wasend/core 1.3.3 (providers.md §3 and seed 001): an
// "Authorization: Bearer <apiKey>" header, the session id as the first path segment, groups
// named by their full JID (…@g.us), participants sent as +E164 or full JIDs, and the
// {"success": false, "error": "..."} error body. Importing the package registers the dialect.
//
// The website and the SDK disagree on the paths of group info, remove, promote and demote, and
// nothing says which set the real server answers, so the dialect serves each set under its own
// mount; a server that answers only one set is what a client's detection has to cope with:
//
//	/wasend/…      the website docs: GET …/info, DELETE …/participants, POST …/participants/{promote,demote}
//	/wasend-sdk/…  the SDK: GET /{sessionId}/groups/{groupId}, POST …/participants/remove, POST …/admin/{promote,demote}
//
// Both answer GET …/participants and POST …/participants/add, whose paths the two agree on,
// and the session read GET /sessions/{sessionId}, which sits at the root in both. A path of the
// other set answers 404. The real API lives at the root of https://api.wasend.dev;
// the mounts exist because a root-level {sessionId} segment overlaps every other dialect's
// prefix in the simulator's one ServeMux, so against wagov-sim a Wasend spec.endpoint is the
// simulator's URL plus a mount.
package wasend

import (
	"net/http"
	"strings"

	"github.com/wagov/wagov/internal/sim"
)

// Provider is the account type the dialect serves.
const Provider = "Wasend"

// The mounts of the two path sets; see the package comment.
const (
	// WebsiteMount serves the paths of Wasend's website documentation.
	WebsiteMount = "/wasend"
	// SDKMount serves the paths of Wasend's official SDK.
	SDKMount = "/wasend-sdk"
)

func init() { sim.Register(Dialect{}) }

// Dialect is the Wasend HTTP API.
type Dialect struct{}

// Provider returns "Wasend".
func (Dialect) Provider() string { return Provider }

// Prefix returns the website mount; the SDK mount has its own 404 route.
func (Dialect) Prefix() string { return WebsiteMount + "/" }

// Credential returns the token of an "Authorization: Bearer <apiKey>" header.
func (Dialect) Credential(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// errorBody is Wasend's error answer for every status the docs list (400, 401, 403, 404, 422,
// 429, 500): {"success": false, "error": "..."}.
type errorBody struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
}

// Error returns {"success": false, "error": message}.
func (Dialect) Error(_ int, message string) any { return errorBody{Error: message} }

func fail(status int, message string) *sim.Reply {
	return &sim.Reply{Status: status, Body: errorBody{Error: message}}
}

// Members counts the participants array of a write body.
func (Dialect) Members(body []byte) int { return sim.CountParticipants(body) }

// Routes returns both path sets. The group lists' patterns end in a wildcard, which listGroups
// holds to "groups": GET /sessions/{sessionId} and GET /{sessionId}/groups both match
// /sessions/groups, and a ServeMux refuses two such patterns unless one is more specific.
func (Dialect) Routes() []sim.Route {
	web, sdk := WebsiteMount+"/{session}/groups", SDKMount+"/{session}/groups"
	const group, lists, sessions = "/{group}", "/{session}/{collection}", "/sessions/{session}"
	route := func(pattern, op string, serve func(*sim.Exchange) sim.Reply) sim.Route {
		return sim.Route{Pattern: pattern, Op: op, GroupParam: "group", Serve: serve}
	}
	return []sim.Route{
		{Pattern: "GET " + WebsiteMount + sessions, Op: sim.OpAccount, Serve: sessionInfo},
		{Pattern: "GET " + WebsiteMount + lists, Op: sim.OpList, Serve: listGroups(websiteList)},
		route("GET "+web+group+"/info", sim.OpRead, groupInfo),
		route("GET "+web+group+"/participants", sim.OpRead, participants(websiteParticipants)),
		route("POST "+web+group+"/participants/add", sim.OpAdd, add),
		route("DELETE "+web+group+"/participants", sim.OpRemove, remove),
		route("POST "+web+group+"/participants/promote", sim.OpPromote, promote),
		route("POST "+web+group+"/participants/demote", sim.OpDemote, demote),

		{Pattern: "GET " + SDKMount + sessions, Op: sim.OpAccount, Serve: sessionInfo},
		{Pattern: "GET " + SDKMount + lists, Op: sim.OpList, Serve: listGroups(sdkList)},
		route("GET "+sdk+group, sim.OpRead, sdkGroup),
		route("GET "+sdk+group+"/participants", sim.OpRead, participants(sdkParticipants)),
		route("POST "+sdk+group+"/participants/add", sim.OpAdd, add),
		route("POST "+sdk+group+"/participants/remove", sim.OpRemove, void(remove)),
		route("POST "+sdk+group+"/admin/promote", sim.OpPromote, void(promote)),
		route("POST "+sdk+group+"/admin/demote", sim.OpDemote, void(demote)),
		{Pattern: SDKMount + "/", Op: sim.OpUnknown, Serve: func(*sim.Exchange) sim.Reply {
			return *fail(http.StatusNotFound, "no such endpoint")
		}},
	}
}
