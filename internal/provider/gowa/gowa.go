// Package gowa is the provider client for GOWA (aldinokemal/go-whatsapp-web-multidevice), a
// self-hosted REST server over whatsmeow: HTTP Basic auth with the "user:password" credential,
// the device (spec.account) in the X-Device-Id header, groups as "…@g.us" JIDs, participants
// as bare digits. spec.endpoint is the server's base URL, including its APP_BASE_PATH if set.
//
// Two GOWA behaviours shape the writes. Before a write GOWA checks every number with
// IsOnWhatsApp and refuses the whole call with 400 INVALID_JID when one fails, without saying
// which: for one member that is its outcome, NotOnWhatsApp; for several it is an error wrapping
// ErrInvalidRequest, on which the controller splits the batch. And GOWA flattens WhatsApp's
// per-member codes: only a privacy-blocked add (403 with an invite) is "error", while an add
// refused as recently left (408) or group full (419) is "success" like a real one. So every
// "success" is ResultUnknown, and the next read tells. That holds in LID-addressed groups too,
// where GOWA can name a member only by phone number (it appends @s.whatsapp.net to the digits
// it is given): whatsmeow sends that JID as it is, and what WhatsApp answers for it there, a
// per-member refusal or nothing done, GOWA reports as "success" (providers.md §8, §12).
package gowa

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
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
const TypeName = "GOWA"

// MaxBatch is the most participants one write carries. GOWA documents no cap; 5 is a
// conservative choice because GOWA makes one IsOnWhatsApp query per number before the write,
// and a batch holding an unregistered number is refused whole and split into further calls.
const MaxBatch = 5

func init() {
	// Self-hosted: no default endpoint. Reads go live to WhatsApp, so no read lag.
	provider.Register(TypeName, provider.Capabilities{MaxBatch: MaxBatch}, New)
}

// Client is one device of a GOWA server.
type Client struct {
	base    string
	device  string
	header  http.Header
	secrets []string // scrubbed from every message GOWA sends back
	http    *http.Client

	mu       sync.Mutex
	own      roster.Phone // the number the device is logged in as, from its last status read
	knowsOwn bool         // a status read succeeded, so own is what GOWA said (maybe nothing)
}

// New builds a client for the device named by cfg.Account, with cfg.Credential holding the
// server's Basic auth pair "user:password".
func New(cfg provider.Config) (provider.Client, error) {
	device := strings.TrimSpace(cfg.Account)
	if device == "" {
		return nil, errors.New("GOWA: spec.account must be the device id that goes in X-Device-Id")
	}
	user, password, ok := strings.Cut(cfg.Credential, ":")
	if !ok || user == "" {
		return nil, fmt.Errorf("GOWA: the credential must be the Basic auth pair \"user:password\": %w", provider.ErrUnauthorized)
	}
	token := base64.StdEncoding.EncodeToString([]byte(cfg.Credential))
	return &Client{
		base:    strings.TrimSuffix(cfg.Endpoint, "/"),
		device:  device,
		header:  http.Header{"Authorization": {"Basic " + token}, "X-Device-Id": {device}},
		secrets: []string{cfg.Credential, token, password},
		http:    cfg.HTTP,
	}, nil
}

// envelope is GOWA's answer, utils.ResponseData: {status, code, message, results}.
type envelope struct {
	Code    code            `json:"code"`
	Message string          `json:"message"`
	Results json.RawMessage `json:"results"`
}

// code is GOWA's error code, a string such as "INVALID_JID"; the OpenAPI error examples give
// a number (code: 400), which is read as its digits.
type code string

func (c *code) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = code(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*c = code(n)
	return nil
}

// errNotOnWhatsApp marks a write GOWA refused as a whole because a participant failed its
// IsOnWhatsApp check ("user is not registered"), without saying which.
var errNotOnWhatsApp = errors.New("a participant is not on WhatsApp")

// call sends one request and returns the results of a 2xx answer.
func (c *Client) call(ctx context.Context, what, method, path string, body any) (json.RawMessage, error) {
	resp, err := httpx.Do(ctx, c.http, method, c.base+path, c.header, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		var env envelope
		_ = json.Unmarshal(resp.Body, &env) // GOWA's Basic auth refusal has no JSON body
		return nil, statusError(what, resp, string(env.Code), httpx.Scrub(env.Message, c.secrets...))
	}
	var env envelope
	if err := httpx.Decode(resp, what, &env); err != nil {
		return nil, err
	}
	return env.Results, nil
}

// statusError maps a GOWA failure onto the sentinels. GOWA passes whatsmeow's errors on as
// 500 with their text, so the text tells a refused write (IQ 403 forbidden or 401
// not-authorized: not an admin) from an unknown group (IQ 404, or GetGroupInfo's "group not
// found") and a WhatsApp rate limit (IQ 429 rate-overlimit) from an outage.
func statusError(what string, resp *httpx.Response, errCode, msg string) error {
	var sentinel error
	switch {
	case resp.Status == http.StatusBadRequest && errCode == "INVALID_JID":
		return fmt.Errorf("%s: HTTP 400: %w: %w: %s", what, provider.ErrInvalidRequest, errNotOnWhatsApp, msg)
	case resp.Status == http.StatusUnauthorized && errCode == "AUTHENTICATION_ERROR":
		// GOWA's login check, not its Basic auth: the device is not connected or logged in.
		sentinel = provider.ErrUnavailable
	case resp.Status == http.StatusInternalServerError:
		sentinel = whatsmeowSentinel(msg)
	}
	if sentinel == nil {
		return httpx.StatusError(what, resp, msg)
	}
	return fmt.Errorf("%s: HTTP %d: %w: %s", what, resp.Status, sentinel, msg)
}

// whatsmeowSentinel classifies the text of a whatsmeow error; nil leaves the status to decide.
func whatsmeowSentinel(msg string) error {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "status 403") || strings.Contains(m, "forbidden") ||
		strings.Contains(m, "status 401") || strings.Contains(m, "not-authorized"):
		return provider.ErrNotAdmin
	case strings.Contains(m, "status 404") || strings.Contains(m, "item-not-found") ||
		strings.Contains(m, "group not found") || strings.Contains(m, "not participating"):
		return provider.ErrNotFound
	case strings.Contains(m, "status 429") || strings.Contains(m, "rate-overlimit"):
		return &provider.RateLimitedError{}
	}
	return nil
}

// participant is GOWA's domains/group.GroupParticipant.
type participant struct {
	JID          string `json:"jid"`
	PhoneNumber  string `json:"phone_number"`
	IsAdmin      bool   `json:"is_admin"`
	IsSuperAdmin bool   `json:"is_super_admin"`
}

// ReadGroup reads the group's participants in one call, with the device's own number as Self
// (learned by the client's first status read).
func (c *Client) ReadGroup(ctx context.Context, groupID string) (roster.Group, error) {
	what := "read GOWA group " + groupID
	jid, err := groupJID(groupID)
	if err != nil {
		return roster.Group{}, fmt.Errorf("%s: %w", what, err)
	}
	self, err := c.self(ctx)
	if err != nil {
		return roster.Group{}, err
	}
	raw, err := c.call(ctx, what, http.MethodGet, "/group/participants?group_id="+url.QueryEscape(jid), nil)
	if err != nil {
		return roster.Group{}, err
	}
	var res *struct {
		Name         string        `json:"name"`
		Participants []participant `json:"participants"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res == nil {
		return roster.Group{}, fmt.Errorf("%s: response has no results: %w", what, provider.ErrUnavailable)
	}
	g := roster.Group{ID: groupID, Name: res.Name, Self: self}
	for _, p := range res.Participants {
		g.Participants = append(g.Participants, toParticipant(p))
	}
	return g, nil
}

// toParticipant resolves a participant: its jid is a phone JID, or a LID with the number in
// phone_number (which may be empty; the participant then stays unresolved).
func toParticipant(p participant) roster.Participant {
	out := roster.Participant{RawID: p.JID, Role: roster.RoleOf(p.IsAdmin, p.IsSuperAdmin)}
	if phone, err := roster.Identify(p.JID, p.PhoneNumber); err == nil {
		out.Phone = phone
	}
	return out
}

// groupJID is the group id GOWA expects: a "…@g.us" JID whose user part is digits (older
// groups: "creator-timestamp"); bare digits get the server added.
func groupJID(id string) (string, error) {
	jid := strings.TrimSpace(id)
	if !strings.Contains(jid, "@") {
		jid += "@g.us"
	}
	user, ok := strings.CutSuffix(jid, "@g.us")
	if !ok || user == "" || strings.Trim(user, "0123456789-") != "" {
		return "", fmt.Errorf("GOWA group ids are group JIDs such as 120363025982934543@g.us, not %q: %w", id, provider.ErrInvalidRequest)
	}
	return jid, nil
}

var opPaths = map[roster.Op]string{
	roster.OpAdd:     "/group/participants",
	roster.OpRemove:  "/group/participants/remove",
	roster.OpPromote: "/group/participants/promote",
	roster.OpDemote:  "/group/participants/demote",
}

type changeRequest struct {
	GroupID      string   `json:"group_id"`
	Participants []string `json:"participants"`
}

// result is GOWA's domains/group.ParticipantStatus.
type result struct {
	Participant string `json:"participant"`
	Status      string `json:"status"`
	Message     string `json:"message"`
}

// Change applies op to at most MaxBatch members in one call. When GOWA refuses the call
// because a number is not on WhatsApp, a single member gets that as its outcome; for several,
// the error wraps ErrInvalidRequest, and the controller sends each half again.
func (c *Client) Change(ctx context.Context, groupID string, op roster.Op, members []roster.Phone) ([]provider.Outcome, error) {
	path, ok := opPaths[op]
	if !ok {
		return nil, fmt.Errorf("GOWA: unknown operation %q", op)
	}
	if len(members) == 0 || len(members) > MaxBatch {
		return nil, fmt.Errorf("GOWA %s: %d participants, want 1 to %d: %w", op, len(members), MaxBatch, provider.ErrInvalidRequest)
	}
	jid, err := groupJID(groupID)
	if err != nil {
		return nil, fmt.Errorf("GOWA %s: %w", op, err)
	}
	out, err := c.send(ctx, jid, op, path, members)
	if len(members) == 1 && errors.Is(err, errNotOnWhatsApp) {
		return []provider.Outcome{{Member: members[0], Result: provider.ResultNotOnWhatsApp,
			Message: "GOWA refused the number: user is not registered on WhatsApp"}}, nil
	}
	return out, err
}

// send makes one write call.
func (c *Client) send(ctx context.Context, jid string, op roster.Op, path string, members []roster.Phone) ([]provider.Outcome, error) {
	req := changeRequest{GroupID: jid, Participants: make([]string, len(members))}
	for i, m := range members {
		req.Participants[i] = string(m) // bare digits: GOWA appends @s.whatsapp.net itself
	}
	what := fmt.Sprintf("%s %d participants in GOWA group %s", strings.ToLower(string(op)), len(members), jid)
	raw, err := c.call(ctx, what, http.MethodPost, path, req)
	if err != nil {
		return nil, err
	}
	var results []result
	_ = json.Unmarshal(raw, &results) // an unexpected shape leaves every outcome Unknown
	return outcomes(op, members, results), nil
}

// outcomes reads GOWA's per-member statuses. "error" is a privacy-blocked add (WhatsApp 403
// with an invite), or an unexplained refusal for the other operations; "success" hides
// WhatsApp's code, so it is Unknown. A result is matched by its participant JID or, when that
// names no number (a LID) and GOWA answered one result per member, by its position.
func outcomes(op roster.Op, members []roster.Phone, results []result) []provider.Outcome {
	byMember := make(map[roster.Phone]result, len(results))
	for i, r := range results {
		p, err := roster.Normalize(r.Participant)
		switch {
		case err == nil:
		case len(results) == len(members):
			p = members[i]
		default:
			continue
		}
		byMember[p] = r
	}
	out := make([]provider.Outcome, len(members))
	for i, m := range members {
		out[i] = provider.Outcome{Member: m, Result: provider.ResultUnknown}
		r, ok := byMember[m]
		switch {
		case !ok || r.Status != "error":
		case op == roster.OpAdd:
			out[i].Result, out[i].Code = provider.ResultInviteRequired, 403
			out[i].Message = strings.TrimSpace(r.Message + " (WhatsApp 403: the number's privacy settings allow only an invite)")
		default:
			out[i].Result, out[i].Message = provider.ResultRejected, r.Message
		}
	}
	return out
}
