// errors.go owns WAHA's error answers: NestJS HttpExceptions {statusCode, message, error}, the
// exception filter's 500 {statusCode, timestamp, exception, request, version} for anything the
// engine throws, and which WhatsApp refusal becomes which.

package waha

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wagov/wagov/internal/sim"
)

// version is what the simulator reports as WAHA's version in 500 bodies.
const version = "wagov-sim"

type httpException struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	Error      string `json:"error,omitempty"`
}

type exception struct {
	Message string `json:"message"`
	Name    string `json:"name"`
	Stack   string `json:"stack,omitempty"`
}

type requestInfo struct {
	Path   string            `json:"path"`
	Method string            `json:"method"`
	Body   json.RawMessage   `json:"body,omitempty"`
	Query  map[string]string `json:"query"`
}

type serverError struct {
	StatusCode int         `json:"statusCode"`
	Timestamp  string      `json:"timestamp"`
	Exception  exception   `json:"exception"`
	Request    requestInfo `json:"request"`
	Version    string      `json:"version"`
}

func fail(status int, message string) sim.Reply {
	return sim.Reply{Status: status, Body: httpException{StatusCode: status, Message: message, Error: http.StatusText(status)}}
}

// thrown is the 500 WAHA answers when the engine throws: Baileys raises WhatsApp's IQ errors with
// their text ("item-not-found", "forbidden", "not-authorized") as the message.
func thrown(x *sim.Exchange, message string) sim.Reply {
	req := requestInfo{Path: x.Request.URL.Path, Method: x.Request.Method, Query: map[string]string{}}
	if json.Valid(x.Body) {
		req.Body = x.Body
	}
	for k, v := range x.Request.URL.Query() {
		req.Query[k] = v[0]
	}
	return sim.Reply{Status: http.StatusInternalServerError, Body: serverError{
		StatusCode: http.StatusInternalServerError,
		Timestamp:  x.Now().UTC().Format(time.RFC3339Nano),
		Exception:  exception{Message: message, Name: "Error", Stack: "Error: " + message + "\n    at assertNodeErrorFree (baileys)"},
		Request:    req,
		Version:    version,
	}}
}

// sessionNotFound is WAHA's answer to a session-scoped call naming a session it does not run.
func sessionNotFound(name string) sim.Reply {
	return fail(http.StatusNotFound, fmt.Sprintf("We didn't find a session with name '%s'.\nPlease start it first by using POST /api/sessions/%s/start request", name, name))
}

// refused answers a failure of the core: a validation refusal, or WhatsApp refusing the whole
// call (an unknown group, a group the session is not in, a session that is not an admin).
func refused(x *sim.Exchange, err error) sim.Reply {
	var r *Refusal
	switch {
	case errors.As(err, &r):
		return fail(r.Status, r.Message)
	case errors.Is(err, ErrBadGroupID):
		return thrown(x, "bad-request")
	case errors.Is(err, sim.ErrGroupNotFound):
		return thrown(x, "item-not-found")
	case errors.Is(err, ErrNotInGroup):
		return thrown(x, "forbidden")
	case errors.Is(err, sim.ErrNotAdmin):
		return thrown(x, "not-authorized")
	}
	return thrown(x, err.Error())
}
