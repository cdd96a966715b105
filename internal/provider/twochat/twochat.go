// Package twochat is the provider client for 2Chat (api.p.2chat.io): the API key goes in the
// X-User-API-Key header, the account is the connected number sent as from_number, groups are
// 2Chat UUIDs, participants are +E164, and a write carries at most 10 participants.
package twochat

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
	"github.com/wagov/wagov/internal/roster"
)

// TypeName is the spec.type that selects this client.
const TypeName = "TwoChat"

// MaxBatch is 2Chat's documented cap on participants per add/remove/promote/demote call.
const MaxBatch = 10

func init() {
	provider.Register(TypeName, provider.Capabilities{
		MaxBatch:        MaxBatch,
		DefaultEndpoint: "https://api.p.2chat.io",
		// 2Chat: "it can take a few minutes for 2Chat to be able to see the changes made".
		ReadLag: 5 * time.Minute,
	}, New)
}

// Client is a 2Chat account.
type Client struct {
	base   string
	from   roster.Phone
	header http.Header
	http   *http.Client
}

// New builds a client for the account named by cfg.Account, a connected number in E.164.
func New(cfg provider.Config) (provider.Client, error) {
	from, err := roster.Normalize(cfg.Account)
	if err != nil {
		return nil, fmt.Errorf("2Chat account must be the connected number in E.164 (from_number): %w", err)
	}
	if cfg.Credential == "" {
		return nil, fmt.Errorf("2Chat: empty API key: %w", provider.ErrUnauthorized)
	}
	return &Client{
		base:   strings.TrimSuffix(cfg.Endpoint, "/") + "/open/whatsapp",
		from:   from,
		header: http.Header{"X-User-Api-Key": {cfg.Credential}},
		http:   cfg.HTTP,
	}, nil
}

// envelope is the part every 2Chat answer shares.
type envelope struct {
	Success *bool  `json:"success"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

func (c *Client) call(ctx context.Context, what, method, path string, body, out any) error {
	resp, err := httpx.Do(ctx, c.http, method, c.base+path, c.header, body)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	var env envelope
	_ = json.Unmarshal(resp.Body, &env) // errors are judged by status and the typed decode below
	msg := env.Error
	if msg == "" {
		msg = env.Message
	}
	msg = httpx.Scrub(msg, c.header.Get("X-User-Api-Key"))
	if resp.Status < 200 || resp.Status > 299 {
		if resp.Status == http.StatusForbidden && method == http.MethodPost {
			// 2Chat does not document its errors; a refused write on a known group means the
			// number lacks admin rights there.
			return fmt.Errorf("%s: HTTP 403: %w: %s", what, provider.ErrNotAdmin, msg)
		}
		return httpx.StatusError(what, resp, msg)
	}
	if env.Success != nil && !*env.Success {
		return fmt.Errorf("%s: %w: %s", what, provider.ErrInvalidRequest, msg)
	}
	return httpx.Decode(resp, what, out)
}

// OwnNumber is the connected number the account acts as: 2Chat's from_number, spec.account.
func (c *Client) OwnNumber() roster.Phone { return c.from }

// CheckAccount lists the key's numbers and checks that from_number is one of them and connected.
func (c *Client) CheckAccount(ctx context.Context) error {
	var out struct {
		Numbers []struct {
			PhoneNumber      string `json:"phone_number"`
			ConnectionStatus string `json:"connection_status"`
		} `json:"numbers"`
	}
	if err := c.call(ctx, "list 2Chat numbers", http.MethodGet, "/get-numbers", nil, &out); err != nil {
		return err
	}
	for _, n := range out.Numbers {
		if p, err := roster.Normalize(n.PhoneNumber); err == nil && p == c.from {
			if n.ConnectionStatus != "" && n.ConnectionStatus != "C" {
				return fmt.Errorf("2Chat number %s is not connected (status %q): %w", c.from.E164(), n.ConnectionStatus, provider.ErrUnavailable)
			}
			return nil
		}
	}
	return fmt.Errorf("2Chat number %s is not connected to this API key: %w", c.from.E164(), provider.ErrNotFound)
}

type participant struct {
	ID           string `json:"wa_participant_id"`
	PhoneNumber  string `json:"phone_number"`
	IsAdmin      bool   `json:"wa_is_admin"`
	IsSuperAdmin bool   `json:"wa_is_super_admin"`
}

// ReadGroup reads the group with its participants in one call.
func (c *Client) ReadGroup(ctx context.Context, groupID string) (roster.Group, error) {
	var out struct {
		Data *struct {
			UUID         string        `json:"uuid"`
			Name         string        `json:"wa_group_name"`
			Participants []participant `json:"participants"`
		} `json:"data"`
	}
	what := "read 2Chat group " + groupID
	if err := c.call(ctx, what, http.MethodGet, "/group/"+url.PathEscape(groupID), nil, &out); err != nil {
		return roster.Group{}, err
	}
	if out.Data == nil {
		return roster.Group{}, fmt.Errorf("%s: response has no data: %w", what, provider.ErrUnavailable)
	}
	g := roster.Group{ID: groupID, Name: out.Data.Name, Self: c.from}
	for _, p := range out.Data.Participants {
		g.Participants = append(g.Participants, toParticipant(p))
	}
	return g, nil
}

func toParticipant(p participant) roster.Participant {
	out := roster.Participant{RawID: p.ID, Role: roster.RoleOf(p.IsAdmin, p.IsSuperAdmin)}
	for _, id := range []string{p.PhoneNumber, p.ID} {
		if phone, err := roster.Normalize(id); err == nil {
			out.Phone = phone
			break
		}
	}
	return out
}

var opPaths = map[roster.Op]string{
	roster.OpAdd:     "add-participant",
	roster.OpRemove:  "remove-participant",
	roster.OpPromote: "promote-participant",
	roster.OpDemote:  "demote-participant",
}

type changeRequest struct {
	FromNumber   string   `json:"from_number"`
	Participants []string `json:"participants"`
}

// Change applies op to at most MaxBatch members in one call.
func (c *Client) Change(ctx context.Context, groupID string, op roster.Op, members []roster.Phone) ([]provider.Outcome, error) {
	path, ok := opPaths[op]
	if !ok {
		return nil, fmt.Errorf("2Chat: unknown operation %q", op)
	}
	if len(members) == 0 || len(members) > MaxBatch {
		return nil, fmt.Errorf("2Chat %s: %d participants, want 1 to %d: %w", op, len(members), MaxBatch, provider.ErrInvalidRequest)
	}
	req := changeRequest{FromNumber: c.from.E164()}
	for _, m := range members {
		req.Participants = append(req.Participants, m.E164())
	}
	var out struct {
		Participants json.RawMessage `json:"participants"`
	}
	what := fmt.Sprintf("%s %d participants in 2Chat group %s", strings.ToLower(string(op)), len(members), groupID)
	if err := c.call(ctx, what, http.MethodPost, "/group/"+url.PathEscape(groupID)+"/"+path, req, &out); err != nil {
		return nil, err
	}
	if op == roster.OpAdd {
		return addOutcomes(members, out.Participants), nil
	}
	return listOutcomes(members, out.Participants), nil
}

// addOutcomes reads the add answer: a map from each number to its WhatsApp status code.
func addOutcomes(members []roster.Phone, raw json.RawMessage) []provider.Outcome {
	var byNumber map[string]struct {
		StatusCode     int    `json:"statusCode"`
		Message        string `json:"message"`
		IsInviteV4Sent bool   `json:"isInviteV4Sent"`
	}
	_ = json.Unmarshal(raw, &byNumber) // an unexpected shape leaves every outcome Unknown
	seen := make(map[roster.Phone]int, len(byNumber))
	msgs := make(map[roster.Phone]string, len(byNumber))
	for k, v := range byNumber {
		if p, err := roster.Normalize(k); err == nil {
			seen[p] = v.StatusCode
			msgs[p] = v.Message
			if v.IsInviteV4Sent {
				msgs[p] = strings.TrimSpace(v.Message + " (2Chat sent an invite instead)")
			}
		}
	}
	out := make([]provider.Outcome, len(members))
	for i, m := range members {
		code, ok := seen[m]
		out[i] = provider.Outcome{Member: m, Code: code, Message: msgs[m], Result: provider.ResultUnknown}
		if ok {
			out[i].Result = provider.AddResult(code)
		}
	}
	return out
}

// listOutcomes reads the remove/promote/demote answer: accepted and unaccepted number lists.
func listOutcomes(members []roster.Phone, raw json.RawMessage) []provider.Outcome {
	var lists struct {
		Accepted   []string `json:"accepted_numbers"`
		Unaccepted []string `json:"unaccepted_numbers"`
	}
	_ = json.Unmarshal(raw, &lists)
	result := map[roster.Phone]provider.Result{}
	for _, n := range lists.Accepted {
		if p, err := roster.Normalize(n); err == nil {
			result[p] = provider.ResultApplied
		}
	}
	for _, n := range lists.Unaccepted {
		if p, err := roster.Normalize(n); err == nil {
			result[p] = provider.ResultRejected
		}
	}
	out := make([]provider.Outcome, len(members))
	for i, m := range members {
		r, ok := result[m]
		if !ok {
			r = provider.ResultUnknown
		}
		out[i] = provider.Outcome{Member: m, Result: r}
		if r == provider.ResultRejected {
			out[i].Message = "2Chat did not accept this number: not in the group, the group's creator, or not on WhatsApp"
		}
	}
	return out
}
