// Package evolution is the provider client for Evolution API v2 (self-hosted,
// EvolutionAPI/evolution-api): the API key goes in the apikey header, the account is the
// instance name in the path, the group is a JID in the groupJid query, members are sent as bare
// digits, and one write endpoint takes every operation as its action. Evolution rewrites some
// Brazilian, Mexican and Argentinian numbers on the way (phone.go). The client learns the
// instance's own number from fetchInstances (instance.go) and names members of LID-addressed
// groups by their LID (lid.go).
package evolution

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
	"github.com/wagov/wagov/internal/roster"
)

// TypeName is the spec.type that selects this client.
const TypeName = "Evolution"

// MaxBatch is the most members one write carries. Evolution documents no cap (its schema only
// asks for at least one); 5 is a conservative choice, as WhatsApp publishes no anti-abuse limits.
const MaxBatch = 5

func init() {
	// Self-hosted: no default endpoint. Reads go to the WhatsApp session live: no read lag.
	provider.Register(TypeName, provider.Capabilities{MaxBatch: MaxBatch}, New)
}

// Client is one Evolution instance. It keeps what it learns of the instance for its lifetime:
// the instance's own number, and per group the LIDs of the members its last read listed by LID.
type Client struct {
	base     string
	instance string
	header   http.Header
	http     *http.Client

	mu   sync.Mutex
	own  roster.Phone
	lids roster.LIDBook // by group JID
}

// New builds a client for the instance named by cfg.Account at cfg.Endpoint.
func New(cfg provider.Config) (provider.Client, error) {
	instance := strings.TrimSpace(cfg.Account)
	if instance == "" {
		return nil, fmt.Errorf("evolution account must be the instance name: %w", provider.ErrInvalidRequest)
	}
	if cfg.Credential == "" {
		return nil, fmt.Errorf("evolution: empty API key: %w", provider.ErrUnauthorized)
	}
	return &Client{
		base:     strings.TrimSuffix(cfg.Endpoint, "/"),
		instance: instance,
		header:   http.Header{"Apikey": {cfg.Credential}},
		http:     cfg.HTTP,
	}, nil
}

// errorBody is Evolution's error answer; message is a string or a list of strings and
// {property, message} objects.
type errorBody struct {
	Response struct {
		Message json.RawMessage `json:"message"`
	} `json:"response"`
}

// call sends one request to path (which names the instance) with query, and decodes a 2xx
// answer into out.
func (c *Client) call(ctx context.Context, what, method, path string, query url.Values, body, out any) error {
	resp, err := httpx.Do(ctx, c.http, method, c.base+path+"?"+query.Encode(), c.header, body)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return c.statusError(what, resp)
	}
	return httpx.Decode(resp, what, out)
}

// writeFailed is Evolution's message when Baileys throws on a participant update; the next
// message is Baileys' error, WhatsApp's reason.
const writeFailed = "Error updating participants"

// statusError maps an error answer. A 400 "Error updating participants" carries WhatsApp's
// refusal of the whole write: "forbidden" or "not-authorized" when the instance is not an admin
// of the group, "item-not-found" when there is no such group.
func (c *Client) statusError(what string, resp *httpx.Response) error {
	var e errorBody
	_ = json.Unmarshal(resp.Body, &e) // an unreadable body leaves the message empty
	messages := scrub(flatten(e.Response.Message), c.header.Get("Apikey"))
	msg := strings.Join(messages, "; ")
	if resp.Status == http.StatusBadRequest && len(messages) > 0 && messages[0] == writeFailed {
		reason := strings.ToLower(msg)
		switch {
		case strings.Contains(reason, "forbidden"), strings.Contains(reason, "not-authorized"):
			return fmt.Errorf("%s: HTTP 400: %w: %s", what, provider.ErrNotAdmin, msg)
		case strings.Contains(reason, "item-not-found"):
			return fmt.Errorf("%s: HTTP 400: %w: %s", what, provider.ErrNotFound, msg)
		}
	}
	return httpx.StatusError(what, resp, msg)
}

// scrub removes the credential from every message.
func scrub(messages []string, secret string) []string {
	for i, m := range messages {
		messages[i] = httpx.Scrub(m, secret)
	}
	return messages
}

// flatten reads Evolution's message field: a string, or a list of strings and validation
// objects {property, message}.
func flatten(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []json.RawMessage
	if json.Unmarshal(raw, &many) != nil {
		return nil
	}
	var out []string
	for _, m := range many {
		var field struct{ Property, Message string }
		switch {
		case json.Unmarshal(m, &one) == nil:
			out = append(out, one)
		case json.Unmarshal(m, &field) == nil && field.Message != "":
			out = append(out, strings.TrimSpace(field.Property+": "+field.Message))
		}
	}
	return out
}

// readableJID is what Evolution's reads accept as groupJid, once "@g.us" is appended.
var readableJID = regexp.MustCompile(`^[\d-]+@g\.us$`)

// groupJID turns a spec.groupID into the JID Evolution takes, appending "@g.us" as Evolution does.
func groupJID(groupID string) (string, error) {
	jid := strings.TrimSpace(groupID)
	if !strings.HasSuffix(jid, "@g.us") {
		jid += "@g.us"
	}
	if !readableJID.MatchString(jid) {
		return "", fmt.Errorf("evolution group id %q is not a group JID (digits and dashes, then @g.us): %w", groupID, provider.ErrNotFound)
	}
	return jid, nil
}

// participant is Baileys' GroupParticipant: id is the phone JID or the LID, phoneNumber the
// phone JID when id is a LID.
type participant struct {
	ID          string  `json:"id"`
	PhoneNumber string  `json:"phoneNumber"`
	Admin       *string `json:"admin"`
}

// ReadGroup reads the group's participants in one call, and remembers the LIDs it lists members
// by; the instance's own number takes one more call when the client does not know it yet.
func (c *Client) ReadGroup(ctx context.Context, groupID string) (roster.Group, error) {
	jid, err := groupJID(groupID)
	if err != nil {
		return roster.Group{}, err
	}
	self, err := c.self(ctx)
	if err != nil {
		return roster.Group{}, err
	}
	var out struct {
		Participants *[]participant `json:"participants"`
	}
	what := "read Evolution group " + jid
	path := "/group/participants/" + url.PathEscape(c.instance)
	if err := c.call(ctx, what, http.MethodGet, path, url.Values{"groupJid": {jid}}, nil, &out); err != nil {
		return roster.Group{}, err
	}
	if out.Participants == nil {
		return roster.Group{}, fmt.Errorf("%s: response has no participants: %w", what, provider.ErrUnavailable)
	}
	g := roster.Group{ID: groupID, Self: self, Participants: make([]roster.Participant, 0, len(*out.Participants))}
	for _, p := range *out.Participants {
		g.Participants = append(g.Participants, toParticipant(p))
	}
	c.lids.Learn(jid, g)
	return g, nil
}

func toParticipant(p participant) roster.Participant {
	out := roster.Participant{RawID: p.ID, Role: roster.RoleMember}
	if p.Admin != nil && (*p.Admin == "admin" || *p.Admin == "superadmin") {
		out.Role = roster.Role(*p.Admin)
	}
	if phone, err := roster.Identify(p.ID, p.PhoneNumber); err == nil {
		out.Phone = phone
	}
	return out
}

var actions = map[roster.Op]string{
	roster.OpAdd:     "add",
	roster.OpRemove:  "remove",
	roster.OpPromote: "promote",
	roster.OpDemote:  "demote",
}

type updateRequest struct {
	Action       string   `json:"action"`
	Participants []string `json:"participants"`
}

// memberResult is Baileys' answer for one member: WhatsApp's code as a string ("200" when it
// worked), the JID acted on, and the participant node.
type memberResult struct {
	Status  string `json:"status"`
	JID     string `json:"jid"`
	Content struct {
		Attrs struct {
			PhoneNumber string `json:"phone_number"`
		} `json:"attrs"`
	} `json:"content"`
}

// Change applies op to at most MaxBatch members in one call, naming each by the LID the last read
// of the group listed them by, if it did.
func (c *Client) Change(ctx context.Context, groupID string, op roster.Op, members []roster.Phone) ([]provider.Outcome, error) {
	action, ok := actions[op]
	if !ok {
		return nil, fmt.Errorf("evolution: unknown operation %q: %w", op, provider.ErrInvalidRequest)
	}
	if len(members) == 0 || len(members) > MaxBatch {
		return nil, fmt.Errorf("evolution %s: %d members, want 1 to %d: %w", action, len(members), MaxBatch, provider.ErrInvalidRequest)
	}
	jid, err := groupJID(groupID)
	if err != nil {
		return nil, err
	}
	req := updateRequest{Action: action, Participants: make([]string, len(members))}
	for i, m := range members {
		req.Participants[i] = c.participant(jid, op, m)
	}
	var out struct {
		UpdateParticipants []memberResult `json:"updateParticipants"`
	}
	what := fmt.Sprintf("%s %d members in Evolution group %s", action, len(members), jid)
	path := "/group/updateParticipant/" + url.PathEscape(c.instance)
	if err := c.call(ctx, what, http.MethodPost, path, url.Values{"groupJid": {jid}}, req, &out); err != nil {
		return nil, err
	}
	return outcomes(op, members, req.Participants, out.UpdateParticipants), nil
}

// outcomes matches each member to the result for the JID Evolution made of what was sent for it
// (sent[i]): a result names it by that JID, or by the number its phone attribute gives. A member
// without a result is Unknown, and the next read tells.
func outcomes(op roster.Op, members []roster.Phone, sent []string, results []memberResult) []provider.Outcome {
	byJID := make(map[string]memberResult, 2*len(results))
	for _, r := range results {
		byJID[r.JID] = r
		if p, err := roster.Identify(r.JID, r.Content.Attrs.PhoneNumber); err == nil {
			byJID[p.JID("s.whatsapp.net")] = r
		}
	}
	out := make([]provider.Outcome, len(members))
	for i, m := range members {
		out[i] = provider.Outcome{Member: m, Result: provider.ResultUnknown}
		r, ok := byJID[resultJID(sent[i])]
		if !ok {
			r, ok = byJID[resultJID(string(m))]
		}
		if !ok {
			continue
		}
		code, err := strconv.Atoi(r.Status)
		if err != nil {
			continue
		}
		out[i].Code = code
		out[i].Result, out[i].Message = result(op, code)
	}
	return out
}

// result maps WhatsApp's per-member code (providers.md §1.4) for op.
func result(op roster.Op, code int) (provider.Result, string) {
	if op != roster.OpAdd {
		if code == http.StatusOK {
			return provider.ResultApplied, ""
		}
		return provider.ResultRejected, fmt.Sprintf("WhatsApp refused to %s this member (code %d): not in the group, the group's creator, or named by number in a group that lists members by LID", strings.ToLower(string(op)), code)
	}
	r := provider.AddResult(code)
	if msg, ok := addMessages[r]; ok {
		return r, msg
	}
	return r, fmt.Sprintf("WhatsApp refused the add (code %d)", code)
}

// addMessages say what each add outcome means to a person.
var addMessages = map[provider.Result]string{
	provider.ResultApplied:        "",
	provider.ResultUnchanged:      "already a member",
	provider.ResultInviteRequired: "the member's privacy settings allow only an invite",
	provider.ResultNotOnWhatsApp:  "the number is not on WhatsApp",
	provider.ResultRecentlyLeft:   "the member left the group recently and cannot be added yet",
	provider.ResultGroupFull:      "the group is full",
}
