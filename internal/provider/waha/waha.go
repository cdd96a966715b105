// Package waha is the provider client for WAHA (devlikeapro/waha, self-hosted): the API key goes
// in the X-Api-Key header, the account is the session name in the path, groups are "…@g.us"
// JIDs, participants are sent as {"id": "<digits>@c.us"}, or by their "@lid" where the group's
// last read listed them by LID (engines drop a phone-addressed remove, promote or demote
// there: devlikeapro/waha#1264), the roster is read from /participants/v2 with LIDs resolved
// through the session's LID store, the session's own number comes from the session read
// (GET /api/sessions/{session}, field me), and each write's answer is whatever the session's
// engine returned (NOWEB, GOWS or WEBJS), read member by member where it can be.
//
// The client core (Client over an API) serves every WAHA-compatible front door; the Wawp
// package configures it for Wawp's hosted WAHA.
package waha

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wagov/wagov/internal/provider"
)

// TypeName is the spec.type that selects this client.
const TypeName = "WAHA"

// MaxBatch is the most participants one write carries. WAHA documents no cap; 5 follows the
// advice to mutate in small batches (providers.md §1.5), since one WhatsApp request carries
// the whole batch.
const MaxBatch = 5

// DefaultSession is the session WAHA runs when none is named.
const DefaultSession = "default"

func init() {
	// A steady-state read is the participants call alone: the own number and the LIDs the
	// store resolved are kept on the client.
	provider.Register(TypeName, provider.Capabilities{MaxBatch: MaxBatch, ReadCalls: 1}, New)
}

// API is one WAHA-compatible HTTP front door: where its endpoints live and how a call is
// authorised. Paths are absolute URL paths with every variable part escaped.
type API struct {
	// Name labels the type in errors, such as "WAHA".
	Name string
	// Endpoint is the base URL the paths are appended to.
	Endpoint string
	// Header and Query are added to every call to authorise it.
	Header http.Header
	Query  url.Values
	// Secret is the credential, scrubbed from every provider message.
	Secret string
	// Groups is the path of the group collection; a group's endpoints are below Groups/{id}.
	Groups string
	// Participants is the path below a group that reads its participants.
	Participants string
	// Account is the path of the read that names the session's own account: WAHA's session
	// info ({status, me:{id}}) or a bare {id} (Wawp's /v2/session/me).
	Account string
	// LIDLookup is the path below which the session's LID store answers one LID with {lid, pn};
	// LIDList is the path of the store's paged list [{lid, pn}]. An API has one or neither.
	LIDLookup, LIDList string
	// HTTP sends the requests; nil means httpx.DefaultHTTP.
	HTTP *http.Client
}

// Client is one session of a WAHA-compatible API, with what it learnt of the session.
type Client struct {
	api API
	mem memory
}

// NewClient builds a client for api.
func NewClient(api API) *Client {
	api.Endpoint = strings.TrimSuffix(api.Endpoint, "/")
	return &Client{api: api}
}

// New builds a client for the WAHA session named by cfg.Account (DefaultSession when empty).
func New(cfg provider.Config) (provider.Client, error) {
	if cfg.Credential == "" {
		return nil, fmt.Errorf("%s: empty API key: %w", TypeName, provider.ErrUnauthorized)
	}
	session := cfg.Account
	if session == "" {
		session = DefaultSession
	}
	s := Escape(session)
	return NewClient(API{
		Name:         TypeName,
		Endpoint:     cfg.Endpoint,
		Header:       http.Header{"X-Api-Key": {cfg.Credential}},
		Secret:       cfg.Credential,
		Groups:       "/api/" + s + "/groups",
		Participants: "/participants/v2",
		Account:      "/api/sessions/" + s,
		LIDLookup:    "/api/" + s + "/lids",
		HTTP:         cfg.HTTP,
	}), nil
}

// Escape escapes a path segment, "@" included, as WAHA's and Wawp's examples write group ids
// ("…%40g.us").
func Escape(segment string) string {
	return strings.ReplaceAll(url.PathEscape(segment), "@", "%40")
}
