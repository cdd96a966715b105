// Package quickgateway is the provider client for rama-adi/quick-whatsapp-gateway, a
// self-hosted whatsmeow gateway: the API key goes in "Authorization: Bearer", the account is a
// session id in every path, groups and members are JIDs in the path with "@" written "%40",
// add takes a list of members, and remove, promote and demote take one member per call.
//
// The gateway lists a group's members by LID only. Their phone numbers come from its stored
// "found users" (GET /contacts?group=), and the account's own number and LID from the session
// (GET /sessions/{session}, which needs the key's manage capability; session.go). A member whose
// LID the gateway never resolved stays unresolved, and the planner leaves it alone. Writes name
// members by the LID the last read listed them by (lid.go), and an add first asks the gateway's
// live lookup whether each newcomer is on WhatsApp (write.go).
package quickgateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
	"github.com/wagov/wagov/internal/roster"
)

// TypeName is the spec.type that selects this client.
const TypeName = "QuickGateway"

// MaxBatch is the most members one add carries. The gateway documents no cap (add takes a list,
// which whatsmeow sends as one request); 5 is a conservative choice, as WhatsApp publishes no
// anti-abuse limits (providers.md §1.5). Remove, promote and demote name their one member in the
// path.
const MaxBatch = 5

// readLag is how long the gateway's stored reads may miss a write: they are served from the
// gateway's database, which learns of a change from WhatsApp's notification after the write
// [inferred: the documents say only that reads are "served from stored data"].
const readLag = 30 * time.Second

// capabilities are the type's fixed facts. A read is the members call plus the contacts call
// that resolves their LIDs.
var capabilities = provider.Capabilities{
	MaxBatch:  MaxBatch,
	OpBatch:   map[roster.Op]int{roster.OpRemove: 1, roster.OpPromote: 1, roster.OpDemote: 1},
	ReadLag:   readLag,
	ReadCalls: 2,
}

func init() { provider.Register(TypeName, capabilities, New) }

// Client is one gateway session. It keeps what it learns of the session for its lifetime: the
// session's own number and LID, and per group the LIDs its last read listed members by.
type Client struct {
	base    string // {endpoint}/api/v1/sessions/{session}
	session string
	key     string
	header  http.Header
	http    *http.Client

	mu   sync.Mutex
	id   identity
	lids roster.LIDBook // by group JID
}

// New builds a client for the session named by cfg.Account.
func New(cfg provider.Config) (provider.Client, error) {
	session := strings.TrimSpace(cfg.Account)
	if session == "" || strings.ContainsAny(session, "/?#@ ") {
		return nil, fmt.Errorf("QuickGateway account must be the session id, such as 01J9ZX8K2QHV0M3T6R7P4N5W8C; got %q", cfg.Account)
	}
	if cfg.Credential == "" {
		return nil, fmt.Errorf("QuickGateway: empty API key: %w", provider.ErrUnauthorized)
	}
	endpoint := strings.TrimSuffix(strings.TrimSuffix(cfg.Endpoint, "/"), "/api/v1")
	return &Client{
		base:    endpoint + "/api/v1/sessions/" + url.PathEscape(session),
		session: session,
		key:     cfg.Credential,
		header:  http.Header{"Authorization": {"Bearer " + cfg.Credential}},
		http:    cfg.HTTP,
	}, nil
}

// pathJID escapes a JID for a path segment, with "@" as "%40" as the gateway documents.
func pathJID(jid string) string { return strings.ReplaceAll(url.PathEscape(jid), "@", "%40") }

// call sends one request to path under the session and decodes a 2xx answer into out (nil:
// no body expected).
func (c *Client) call(ctx context.Context, what, method, path string, body, out any) error {
	resp, err := httpx.Do(ctx, c.http, method, c.base+path, c.header, body)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return c.statusError(what, method, resp)
	}
	if out == nil {
		return nil
	}
	return httpx.Decode(resp, what, out)
}

// gatewayError is an error answer of the gateway: the sentinel error the status maps to, and
// the gateway's own message for callers that refine it.
type gatewayError struct {
	message string
	err     error
}

func (e *gatewayError) Error() string { return e.err.Error() }
func (e *gatewayError) Unwrap() error { return e.err }

// statusError maps the gateway's answer {"error": {"code", "message"}} to a sentinel. A 403 is
// a missing key capability ("missing required capability: send") or, on a write, what the
// documents promise when the account is not a group admin; the gateway's code at 00e3869
// answers that case 500 internal instead, which can only be ErrUnavailable.
func (c *Client) statusError(what, method string, resp *httpx.Response) error {
	var env struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(resp.Body, &env) // the status decides; the message only explains
	msg := httpx.Scrub(env.Error.Message, c.key)
	var err error
	switch {
	case resp.Status == http.StatusForbidden && strings.Contains(msg, "capability"):
		err = fmt.Errorf("%s: HTTP 403: %w: the API key lacks a capability (it needs read, send and manage): %s", what, provider.ErrUnauthorized, msg)
	case resp.Status == http.StatusForbidden && method != http.MethodGet:
		err = fmt.Errorf("%s: HTTP 403: %w: %s", what, provider.ErrNotAdmin, msg)
	case resp.Status == http.StatusForbidden:
		err = fmt.Errorf("%s: HTTP 403: %w: %s", what, provider.ErrUnauthorized, msg)
	case resp.Status == http.StatusNotImplemented:
		err = httpx.StatusError(what, resp, "the session is not connected to WhatsApp: "+msg)
	case resp.Status == http.StatusInternalServerError && method != http.MethodGet:
		err = httpx.StatusError(what, resp, msg+" (the gateway also answers 500 when the session's account is not an admin of the group)")
	default:
		err = httpx.StatusError(what, resp, msg)
	}
	return &gatewayError{message: msg, err: err}
}

// maxPages bounds how many pages one list read follows: 1024 members are 6 pages of 200.
const maxPages = 16

// list reads every page of the list at path, following nextCursor.
func list[T any](ctx context.Context, c *Client, what, path string, query url.Values) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	for range maxPages {
		var page struct {
			Data       []T    `json:"data"`
			NextCursor string `json:"nextCursor"`
		}
		target := path
		if len(query) > 0 {
			target += "?" + query.Encode()
		}
		if err := c.call(ctx, what, http.MethodGet, target, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Data...)
		if page.NextCursor == "" {
			return all, nil
		}
		if seen[page.NextCursor] {
			return nil, fmt.Errorf("%s: the gateway repeated a page cursor: %w", what, provider.ErrUnavailable)
		}
		seen[page.NextCursor] = true
		if query == nil {
			query = url.Values{}
		}
		query.Set("cursor", page.NextCursor)
	}
	return nil, fmt.Errorf("%s: more than %d pages: %w", what, maxPages, provider.ErrUnavailable)
}

// CheckAccount reads the session: it proves the key and the session id, and that the session
// is paired and connected ("working"), which every write needs.
func (c *Client) CheckAccount(ctx context.Context) error {
	s, err := c.readSession(ctx)
	if err != nil {
		return err
	}
	if s.Status != "working" {
		return fmt.Errorf("QuickGateway session %s is %q, not \"working\": pair and connect it: %w", c.session, s.Status, provider.ErrUnavailable)
	}
	return nil
}

type member struct {
	LID  string `json:"lid"`
	Role string `json:"role"`
}

type contact struct {
	LID         string `json:"lid"`
	PhoneNumber string `json:"phoneNumber"`
}

var roles = map[string]roster.Role{
	"member":     roster.RoleMember,
	"admin":      roster.RoleAdmin,
	"superadmin": roster.RoleSuperAdmin,
}

// contactsPerPage is the largest page the contacts list serves.
const contactsPerPage = "200"

// ReadGroup lists the group's members and resolves their LIDs through the contacts the
// gateway has seen in the group: two reads, plus the session's own identity when the client does
// not know it yet. It remembers the LIDs for the writes that follow.
func (c *Client) ReadGroup(ctx context.Context, groupID string) (roster.Group, error) {
	self, err := c.self(ctx)
	if err != nil {
		return roster.Group{}, err
	}
	what := "list the members of QuickGateway group " + groupID
	members, err := list[member](ctx, c, what, "/groups/"+pathJID(groupID)+"/members", nil)
	if err != nil {
		return roster.Group{}, err
	}
	what = "list the contacts of QuickGateway group " + groupID
	contacts, err := list[contact](ctx, c, what, "/contacts", url.Values{"group": {groupID}, "limit": {contactsPerPage}})
	if err != nil {
		return roster.Group{}, err
	}
	phones := make(map[string]string, len(contacts))
	for _, ct := range contacts {
		phones[ct.LID] = ct.PhoneNumber
	}
	g := roster.Group{ID: groupID, Self: self.phone}
	for _, m := range members {
		role, ok := roles[m.Role]
		if !ok {
			return roster.Group{}, fmt.Errorf("read QuickGateway group %s: member %s has unknown role %q: %w", groupID, m.LID, m.Role, provider.ErrUnavailable)
		}
		p := roster.Participant{RawID: m.LID, Role: role}
		if self.lid != "" && m.LID == self.lid {
			p.Phone = self.phone
		} else if phone, err := roster.Identify(m.LID, phones[m.LID]); err == nil {
			p.Phone = phone
		}
		g.Participants = append(g.Participants, p)
	}
	c.lids.Learn(groupID, g)
	return g, nil
}
