// call.go owns one HTTP call and the meaning of its failures. WAHA answers its own refusals as
// NestJS HttpExceptions ({statusCode, message, error}), a session that is not WORKING as 422
// {error, session, status, expected}, and whatever the engine throws as 500 {exception:
// {message}}, where WhatsApp's refusals carry the IQ error text ("item-not-found",
// "not-authorized", "forbidden", "rate-overlimit"). Wawp answers {status, message, error}.
// Provider messages are scrubbed of the credential; URLs never reach an error, since a front
// door may carry the credential in the query.

package waha

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
)

// call sends one request to path with query (and the API's own query) and returns the 2xx
// answer (WAHA's older releases answer writes with 201); write says whether it changes a group,
// which decides what a refusal means.
func (c *Client) call(ctx context.Context, what, method, path string, query url.Values, body any, write bool) (*httpx.Response, error) {
	u := c.api.Endpoint + path
	q := url.Values{}
	for _, vs := range []url.Values{c.api.Query, query} {
		for k, v := range vs {
			q[k] = v
		}
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	resp, err := httpx.Do(ctx, c.api.HTTP, method, u, c.api.Header, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if resp.Status >= 200 && resp.Status <= 299 {
		return resp, nil
	}
	return nil, c.failure(what, resp, write)
}

// errorBody is the union of the error shapes: NestJS's message (a string, or a list for
// validation) and error, WAHA's 422 session status, its exception filter's exception, and
// Wawp's {status, message, error}.
type errorBody struct {
	Message   json.RawMessage `json:"message"`
	Error     json.RawMessage `json:"error"`
	Status    json.RawMessage `json:"status"`
	Exception *struct {
		Message string `json:"message"`
	} `json:"exception"`
}

// failure maps a non-2xx answer to a sentinel error.
func (c *Client) failure(what string, r *httpx.Response, write bool) error {
	var b errorBody
	_ = json.Unmarshal(r.Body, &b) // an unreadable body leaves only the status to go by
	thrown := ""
	if b.Exception != nil {
		thrown = c.scrub(b.Exception.Message)
	}
	msg := c.scrub(describe(b, r.Status))
	switch iq := strings.ToLower(thrown); {
	case sessionNotWorking(b):
		return fmt.Errorf("%s: HTTP %d: %w: %s", what, r.Status, provider.ErrUnavailable, msg)
	case r.Status == http.StatusForbidden && write:
		return fmt.Errorf("%s: HTTP 403: %w: %s", what, provider.ErrNotAdmin, msg)
	case r.Status < 500 || iq == "":
	case strings.Contains(iq, "rate-overlimit"):
		return fmt.Errorf("%s: WhatsApp says %s: %w", what, thrown, &provider.RateLimitedError{RetryAfter: httpx.RetryAfter(r.Header, time.Now())})
	case strings.Contains(iq, "item-not-found"):
		return fmt.Errorf("%s: WhatsApp says %s: %w", what, thrown, provider.ErrNotFound)
	case (strings.Contains(iq, "not-authorized") || strings.Contains(iq, "forbidden")) && write:
		return fmt.Errorf("%s: WhatsApp says %s: %w", what, thrown, provider.ErrNotAdmin)
	case strings.Contains(iq, "forbidden"):
		return fmt.Errorf("%s: WhatsApp says %s (the account is not in the group): %w", what, thrown, provider.ErrNotFound)
	case strings.Contains(iq, "bad-request"):
		return fmt.Errorf("%s: WhatsApp says %s: %w", what, thrown, provider.ErrInvalidRequest)
	}
	return httpx.StatusError(what, r, msg)
}

// sessionNotWorking reports WAHA's answer for a session that is not WORKING: the call is fine,
// the session is not (starting, waiting for a QR scan, failed).
func sessionNotWorking(b errorBody) bool {
	var e string
	return json.Unmarshal(b.Error, &e) == nil && strings.Contains(e, "Session status is not as expected")
}

// describe joins what an error body says, without the status text it repeats.
func describe(b errorBody, status int) string {
	var parts []string
	if b.Exception != nil && b.Exception.Message != "" {
		parts = append(parts, b.Exception.Message)
	}
	var one string
	var many []string
	switch {
	case json.Unmarshal(b.Message, &one) == nil && one != "":
		parts = append(parts, one)
	case json.Unmarshal(b.Message, &many) == nil:
		parts = append(parts, many...)
	}
	if json.Unmarshal(b.Error, &one) == nil && one != "" && one != http.StatusText(status) {
		parts = append(parts, one)
	}
	if json.Unmarshal(b.Status, &one) == nil && one != "" {
		parts = append(parts, "session status "+one)
	}
	return strings.Join(parts, "; ")
}

// scrub removes the credential from provider text, also in the query-escaped form a front door
// that carries it in the query echoes.
func (c *Client) scrub(s string) string {
	return httpx.Scrub(s, c.api.Secret, url.QueryEscape(c.api.Secret))
}
