// Package quickgateway is the dialect of wagov-sim for rama-adi/quick-whatsapp-gateway (seed
// 004, providers.md §5), built from its documentation: the API key as "Authorization: Bearer"
// or "x-api-key", the session id in every path, group and member JIDs in the path, the error
// envelope {"error": {"code", "message", "details"}}, member lists by LID only with the
// phone numbers in the stored contacts, and 204 answers that say nothing about each member.
// Importing the package registers the dialect.
//
// Where the documentation and the gateway's code disagree the dialect follows the
// documentation: a write by a session whose account is not a group admin is answered 403
// forbidden (the code at 00e3869 answers 500 internal, which a fault can reproduce).
package quickgateway

import (
	"net/http"
	"strings"

	"github.com/wagov/wagov/internal/sim"
)

// Provider is the account type the dialect serves.
const Provider = "QuickGateway"

// The error codes of the gateway's envelope, by HTTP status.
var codes = map[int]string{
	http.StatusBadRequest:          "validation_error",
	http.StatusUnauthorized:        "unauthorized",
	http.StatusForbidden:           "forbidden",
	http.StatusNotFound:            "not_found",
	http.StatusConflict:            "conflict",
	http.StatusTooManyRequests:     "rate_limited",
	http.StatusNotImplemented:      "not_implemented",
	http.StatusServiceUnavailable:  "gateway_unavailable",
	http.StatusInternalServerError: "internal",
}

func init() { sim.Register(Dialect{}) }

// Dialect is the gateway's HTTP API.
type Dialect struct{}

// Provider returns "QuickGateway".
func (Dialect) Provider() string { return Provider }

// Prefix returns "/api/v1/sessions/", under which every session-scoped route lives.
func (Dialect) Prefix() string { return "/api/v1/sessions/" }

// Credential returns the bearer token of the Authorization header, or the x-api-key header.
func (Dialect) Credential(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return ""
		}
		return strings.TrimSpace(token)
	}
	return r.Header.Get("X-Api-Key")
}

// errorBody is the gateway's error envelope.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error returns {"error": {"code", "message"}} with the code of status.
func (Dialect) Error(status int, message string) any {
	code, ok := codes[status]
	if !ok {
		code = "internal"
	}
	return errorBody{errorDetail{Code: code, Message: message}}
}

// Members counts the participants of an add body. Remove, promote and demote name their one
// member in the path, which the call log does not see; they count 0.
func (Dialect) Members(body []byte) int { return sim.CountParticipants(body) }

const (
	session = "/api/v1/sessions/{session}"
	group   = session + "/groups/{gid}"
	member  = group + "/members/{jid}"
)

// Routes returns the session, group, member and contact endpoints, and the live lookup of a
// number.
func (Dialect) Routes() []sim.Route {
	return []sim.Route{
		{Pattern: "GET " + session, Op: sim.OpAccount, Serve: inSession(getSession)},
		{Pattern: "GET " + session + "/groups", Op: sim.OpList, Serve: inSession(listGroups)},
		{Pattern: "GET " + group, Op: sim.OpRead, GroupParam: "gid", Serve: inSession(getGroup)},
		{Pattern: "GET " + group + "/members", Op: sim.OpRead, GroupParam: "gid", Serve: inSession(listMembers)},
		{Pattern: "GET " + session + "/contacts", Op: sim.OpRead, Serve: inSession(listContacts)},
		{Pattern: "GET " + session + "/contacts/check", Op: sim.OpRead, Serve: inSession(checkContact)},
		{Pattern: "POST " + group + "/members", Op: sim.OpAdd, GroupParam: "gid", Serve: inSession(add)},
		{Pattern: "DELETE " + member, Op: sim.OpRemove, GroupParam: "gid", Serve: inSession(change(sim.OpRemove))},
		{Pattern: "POST " + member + "/promote", Op: sim.OpPromote, GroupParam: "gid", Serve: inSession(change(sim.OpPromote))},
		{Pattern: "POST " + member + "/demote", Op: sim.OpDemote, GroupParam: "gid", Serve: inSession(change(sim.OpDemote))},
	}
}

// inSession answers 404 "session not found" unless the path names the key's session, as the
// gateway does for unknown sessions and for sessions of another organization.
func inSession(serve func(*sim.Exchange) sim.Reply) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		if x.Request.PathValue("session") != x.Session() {
			return fail(http.StatusNotFound, "session not found")
		}
		return serve(x)
	}
}

func fail(status int, message string) sim.Reply {
	return sim.Reply{Status: status, Body: Dialect{}.Error(status, message)}
}
