// Package gowa is the GOWA dialect of wagov-sim (aldinokemal/go-whatsapp-web-multidevice, a
// self-hosted whatsmeow server), built from providers.md §8 and GOWA's OpenAPI document and
// multi-device guide: HTTP Basic auth, the device picked by the X-Device-Id header, group
// JIDs in the query or body, participants as bare digits, every number checked for WhatsApp
// before a write (one unregistered number fails the whole batch with 400 INVALID_JID), and
// per-member results that say "error" only for a privacy-blocked add. Importing the package
// registers the dialect.
//
// GOWA serves its API at the root of its host (no APP_BASE_PATH), and so does the simulator:
// its /group/... paths differ from Evolution's, which share the /group/ space.
package gowa

import (
	"net/http"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

// Provider is the account type the dialect serves.
const Provider = "GOWA"

// DeviceHeader names the device a call acts as; the device_id query parameter is GOWA's
// alternative.
const DeviceHeader = "X-Device-Id"

func init() { sim.Register(Dialect{}) }

// Dialect is the GOWA REST API.
type Dialect struct{}

// Provider returns "GOWA".
func (Dialect) Provider() string { return Provider }

// Prefix returns "/devices/", the one path space of GOWA's that no other API shares: GOWA's
// endpoints sit under several roots (/app/, /group/, /user/, /devices/), and /group/ is
// Evolution's too.
func (Dialect) Prefix() string { return "/devices/" }

// Credential returns "user:password" from the Basic Authorization header; an account's
// apiKey holds the same form.
func (Dialect) Credential(r *http.Request) string {
	user, password, ok := r.BasicAuth()
	if !ok {
		return ""
	}
	return user + ":" + password
}

// response is GOWA's envelope for every answer, utils.ResponseData: {status, code, message,
// results}.
type response struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Results any    `json:"results"`
}

// errorCodes are the codes GOWA's errors carry by HTTP status. 401 stands for a refused
// Basic auth, which GOWA's middleware answers without a documented body; the others follow
// pkg/error and the device middleware.
var errorCodes = map[int]string{
	http.StatusBadRequest:          "VALIDATION_ERROR",
	http.StatusUnauthorized:        "UNAUTHORIZED",
	http.StatusNotFound:            "NOT_FOUND",
	http.StatusTooManyRequests:     "TOO_MANY_REQUESTS",
	http.StatusInternalServerError: "INTERNAL_SERVER_ERROR",
	http.StatusServiceUnavailable:  "SERVICE_UNAVAILABLE",
	http.StatusGatewayTimeout:      "GATEWAY_TIMEOUT",
}

// Error returns {status, code, message, results: null}.
func (Dialect) Error(status int, message string) any {
	code, ok := errorCodes[status]
	if !ok {
		code = http.StatusText(status)
	}
	return response{Status: status, Code: code, Message: message}
}

// Members counts the participants array of a write body.
func (Dialect) Members(body []byte) int { return sim.CountParticipants(body) }

// groupParam names the group in GOWA's requests: the query parameter of the read and the
// body field of the writes.
const groupParam = "group_id"

// Routes returns GOWA's group endpoints and the device's two status reads.
func (Dialect) Routes() []sim.Route {
	return []sim.Route{
		{Pattern: "GET /app/status", Op: sim.OpAccount, Serve: scoped(appStatus)},
		{Pattern: "GET /devices/{device_id}/status", Op: sim.OpAccount, Serve: deviceStatus},
		{Pattern: "GET /user/my/groups", Op: sim.OpList, Serve: scoped(myGroups)},
		{Pattern: "GET /group/participants", Op: sim.OpRead, GroupParam: groupParam, Serve: scoped(participants)},
		{Pattern: "POST /group/participants", Op: sim.OpAdd, GroupParam: groupParam, Serve: scoped(add)},
		{Pattern: "POST /group/participants/remove", Op: sim.OpRemove, GroupParam: groupParam, Serve: scoped(change(sim.OpRemove))},
		{Pattern: "POST /group/participants/promote", Op: sim.OpPromote, GroupParam: groupParam, Serve: scoped(change(sim.OpPromote))},
		{Pattern: "POST /group/participants/demote", Op: sim.OpDemote, GroupParam: groupParam, Serve: scoped(change(sim.OpDemote))},
	}
}

// scoped runs GOWA's device middleware before an endpoint: the device comes from the
// X-Device-Id header or the device_id query parameter. An unknown device is 404
// DEVICE_NOT_FOUND. A missing one is 400 DEVICE_ID_REQUIRED, as on a server with several
// devices; an account without a session stands for a single-device server, which falls back
// to its only device.
func scoped(serve func(*sim.Exchange) sim.Reply) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		id := x.Request.Header.Get(DeviceHeader)
		if id == "" {
			id = x.Request.URL.Query().Get("device_id")
		}
		switch {
		case id == "" && x.Session() != "":
			return reply(http.StatusBadRequest, "DEVICE_ID_REQUIRED", "device_id is required via X-Device-Id header or device_id query", nil)
		case id != "" && id != x.Session():
			return deviceNotFound(id)
		}
		return serve(x)
	}
}

func deviceNotFound(id string) sim.Reply {
	return reply(http.StatusNotFound, "DEVICE_NOT_FOUND",
		"device not found; create a device first from /api/devices or provide a valid X-Device-Id",
		map[string]string{"device_id": id})
}

func reply(status int, code, message string, results any) sim.Reply {
	return sim.Reply{Status: status, Body: response{Status: status, Code: code, Message: message, Results: results}}
}

func success(message string, results any) sim.Reply {
	return reply(http.StatusOK, "SUCCESS", message, results)
}

// internalError is how GOWA answers a whatsmeow error: its recovery middleware turns the
// panic into 500 INTERNAL_SERVER_ERROR with the error's text.
func internalError(message string) sim.Reply {
	return reply(http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", message, nil)
}

// self is the device's own number, the account's first; "" when the seed gives none.
func self(x *sim.Exchange) roster.Phone {
	if ns := x.Numbers(); len(ns) > 0 {
		return ns[0]
	}
	return ""
}

// userJID is a number as whatsmeow writes a phone-addressed user.
func userJID(p roster.Phone) string { return p.JID("s.whatsapp.net") }
