// Package wasend is the provider client for Wasend (api.wasend.dev): the API key goes in an
// "Authorization: Bearer" header, the account is the session id (uniqueSessionId) that leads
// every group path, groups are their full JIDs (…@g.us), and participants are sent as
// digits@s.whatsapp.net, the JID form of the docs' examples, or by the @lid JID a read listed
// them by (identity.go).
//
// Wasend's website docs and its official SDK give different paths for group info, remove,
// promote and demote (providers.md §3), and nothing says which the server answers, so the
// client detects it (paths.go) and says which through provider.Describer. What it learns (the
// path set, the session's own number, the LIDs of the last reads) it keeps for its lifetime.
package wasend

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
	"github.com/wagov/wagov/internal/roster"
)

// TypeName is the spec.type that selects this client.
const TypeName = "Wasend"

// MaxBatch is how many participants one write carries. Wasend documents no cap; 5 keeps each
// call small, as the anti-abuse advice for unofficial WhatsApp clients goes (providers.md §1.5).
const MaxBatch = 5

func init() {
	provider.Register(TypeName, provider.Capabilities{
		MaxBatch:        MaxBatch,
		DefaultEndpoint: "https://api.wasend.dev",
		// The participants read; the session is read once per client, the paths probed once.
		ReadCalls: 1,
	}, New)
}

// Client is one Wasend session.
type Client struct {
	endpoint string // every path continues it
	session  string
	scope    string // "/" and the escaped session id: the start of every group path
	key      string
	header   http.Header
	http     *http.Client

	mu    sync.Mutex
	paths *pathSet     // the path set the server answers; nil until detected
	self  roster.Phone // the session's own number; "" until read
	// lids are the @lid JIDs each group's last read listed its members by.
	lids roster.LIDBook
}

// New builds a client for the session named by cfg.Account.
func New(cfg provider.Config) (provider.Client, error) {
	session := strings.TrimSpace(cfg.Account)
	if session == "" {
		return nil, fmt.Errorf("a Wasend spec.account must be the session id (uniqueSessionId): %w", provider.ErrInvalidRequest)
	}
	if cfg.Credential == "" {
		return nil, fmt.Errorf("empty Wasend API key: %w", provider.ErrUnauthorized)
	}
	return &Client{
		endpoint: strings.TrimSuffix(cfg.Endpoint, "/"),
		session:  session,
		scope:    "/" + url.PathEscape(session),
		key:      cfg.Credential,
		header:   http.Header{"Authorization": {"Bearer " + cfg.Credential}},
		http:     cfg.HTTP,
	}, nil
}

// groupPath is the path of one group under the session.
func (c *Client) groupPath(groupID string) string {
	return c.scope + "/groups/" + url.PathEscape(groupID)
}

// call sends one request to path under the endpoint. It returns the response whenever one
// came, with an error for a non-2xx status or a 2xx that says {"success": false}.
func (c *Client) call(ctx context.Context, what, method, path string, body any) (*httpx.Response, error) {
	resp, err := httpx.Do(ctx, c.http, method, c.endpoint+path, c.header, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	env := c.envelope(resp)
	if resp.Status < 200 || resp.Status > 299 {
		return resp, c.statusError(what, resp, env.message)
	}
	if env.failed {
		return resp, fmt.Errorf("%s: %w: %s", what, provider.ErrInvalidRequest, env.message)
	}
	return resp, nil
}

// statusError maps a non-2xx answer. Wasend's docs list 400, 401, 403 ("not an admin of the
// group"), 404 ("session, group, or one or more specified participants not found"), 422, 429
// and 500. A 422 outside a promote is taken for a session that is not working, as in WAHA, on
// which Wasend runs [inferred]; Change reads a promote's 422 per member.
func (c *Client) statusError(what string, resp *httpx.Response, message string) error {
	switch resp.Status {
	case http.StatusForbidden:
		return fmt.Errorf("%s: HTTP 403: %w: %s", what, provider.ErrNotAdmin, message)
	case http.StatusUnprocessableEntity:
		return fmt.Errorf("%s: HTTP 422: the session may not be working: %w: %s", what, provider.ErrUnavailable, message)
	}
	return httpx.StatusError(what, resp, message)
}

// envelope is what any answer says about itself: whether it reports {"success": false}, and
// the provider's words, scrubbed of the key.
type envelope struct {
	failed  bool
	message string
}

func (c *Client) envelope(resp *httpx.Response) envelope {
	var env struct {
		Success *bool           `json:"success"`
		Error   json.RawMessage `json:"error"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(resp.Body, &env) != nil { // not an object: an SDK array, or nonsense
		return envelope{}
	}
	msg := text(env.Error)
	if msg == "" {
		msg = text(env.Message)
	}
	return envelope{failed: env.Success != nil && !*env.Success, message: httpx.Scrub(msg, c.key)}
}

// text renders a JSON string as itself and any other non-null value as compact JSON (error
// frameworks send arrays of messages, or objects).
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if len(raw) == 0 || string(raw) == "null" || json.Compact(&b, raw) != nil {
		return ""
	}
	return b.String()
}
