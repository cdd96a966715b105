// read.go holds the client's reads: the account check and the group roster. Both documents
// give one path for a group's participants, GET /{sessionId}/groups/{groupId}/participants;
// the website answers {success, participants:[…], error} and the SDK declares a bare
// GroupParticipant[], so both shapes are read.

package wasend

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
	"github.com/wagov/wagov/internal/roster"
)

// CheckAccount reads the session, which proves the key and the session and gives the session's
// own number. Until the client knows which path set the server answers, it also lists one of
// the session's groups and learns it from that group; afterwards a check is that one read.
func (c *Client) CheckAccount(ctx context.Context) error {
	if _, err := c.readSession(ctx); err != nil {
		return err
	}
	if c.detected() != nil {
		return nil
	}
	what := "list the groups of Wasend session " + c.session
	resp, err := c.call(ctx, what, http.MethodGet, c.scope+"/groups?limit=1", nil)
	if err != nil {
		return err
	}
	var groups []struct {
		JID string `json:"jid"`
	}
	if err = decodeList(resp, what, "groups", &groups); err != nil {
		return err
	}
	if len(groups) == 0 || groups[0].JID == "" {
		return nil // nothing to probe with: the first write that needs it finds out
	}
	_, err = c.pathsFor(ctx, groups[0].JID)
	return err
}

// participant is Wasend's GroupParticipant as far as a roster needs it.
type participant struct {
	JID          string `json:"jid"`
	PhoneNumber  string `json:"phoneNumber"`
	IsAdmin      bool   `json:"isAdmin"`
	IsSuperAdmin bool   `json:"isSuperAdmin"`
}

// ReadGroup reads the group's participants in one call (and, the first time on a client that
// has not checked its account, the session, for Self), and keeps the LIDs it lists members by.
func (c *Client) ReadGroup(ctx context.Context, groupID string) (roster.Group, error) {
	self, err := c.ownNumber(ctx)
	if err != nil {
		return roster.Group{}, err
	}
	what := "read the participants of Wasend group " + groupID
	resp, err := c.call(ctx, what, http.MethodGet, c.groupPath(groupID)+"/participants", nil)
	if err != nil {
		return roster.Group{}, err
	}
	var ps []participant
	if err := decodeList(resp, what, "participants", &ps); err != nil {
		return roster.Group{}, err
	}
	g := roster.Group{ID: groupID, Self: self}
	for _, p := range ps {
		g.Participants = append(g.Participants, toParticipant(p))
	}
	c.lids.Learn(groupID, g)
	return g, nil
}

func toParticipant(p participant) roster.Participant {
	out := roster.Participant{RawID: p.JID, Role: roster.RoleOf(p.IsAdmin, p.IsSuperAdmin)}
	// In a LID-addressed group the jid is the LID and phoneNumber carries the number.
	if phone, err := roster.Identify(p.JID, p.PhoneNumber); err == nil {
		out.Phone = phone
	}
	return out
}

// decodeList reads a list that comes either bare (the SDK's shape) or as the field named key
// of an object (the website's); an answer with neither is ErrUnavailable.
func decodeList(resp *httpx.Response, what, key string, v any) error {
	if body := bytes.TrimSpace(resp.Body); len(body) > 0 && body[0] == '[' {
		return httpx.Decode(resp, what, v)
	}
	var obj map[string]json.RawMessage
	if err := httpx.Decode(resp, what, &obj); err != nil {
		return err
	}
	raw, ok := obj[key]
	if !ok || string(raw) == "null" {
		return fmt.Errorf("%s: response has no %s: %w", what, key, provider.ErrUnavailable)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: malformed %s: %w", what, key, provider.ErrUnavailable)
	}
	return nil
}
