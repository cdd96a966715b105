// read.go owns the reads: the session's own account (which proves the credentials and the
// session, and names Self), and a group's participants with their roles. A read of a group is
// the participants call, plus the LID store's answers for participants given by LID alone that
// the client has not resolved before (lids.go), plus, on a client that has not yet checked its
// account, the account read, since no participant list says which participant is the session
// itself.

package waha

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

// accountInfo is WAHA's SessionInfo {name, status, me:{id, pushName}} or a bare MeInfo {id}.
type accountInfo struct {
	Status string `json:"status"`
	ID     string `json:"id"`
	Me     *struct {
		ID string `json:"id"`
	} `json:"me"`
}

// CheckAccount reads the session's account: the credentials work, the session exists, is
// WORKING and is logged in. The number it is logged in as becomes OwnNumber.
func (c *Client) CheckAccount(ctx context.Context) error {
	own, err := c.readAccount(ctx)
	if err == nil {
		c.mem.setOwnNumber(own)
	}
	return err
}

// OwnNumber is the number the session is logged in as, known after a successful CheckAccount
// or ReadGroup.
func (c *Client) OwnNumber() roster.Phone { return c.mem.ownNumber() }

// self returns the session's own number, reading the account when the client does not know it.
func (c *Client) self(ctx context.Context) (roster.Phone, error) {
	if own := c.mem.ownNumber(); own != "" {
		return own, nil
	}
	if err := c.CheckAccount(ctx); err != nil {
		return "", err
	}
	return c.mem.ownNumber(), nil
}

// readAccount returns the number the session is logged in as.
func (c *Client) readAccount(ctx context.Context) (roster.Phone, error) {
	what := "read the " + c.api.Name + " session's account"
	resp, err := c.call(ctx, what, http.MethodGet, c.api.Account, nil, nil, false)
	if err != nil {
		return "", err
	}
	var info accountInfo
	if err = json.Unmarshal(resp.Body, &info); err != nil {
		return "", fmt.Errorf("%s: malformed response (%d bytes): %w", what, len(resp.Body), provider.ErrUnavailable)
	}
	if info.Status != "" && info.Status != "WORKING" {
		return "", fmt.Errorf("%s: the session is %s, not WORKING: %w", what, info.Status, provider.ErrUnavailable)
	}
	id := info.ID
	if info.Me != nil {
		id = info.Me.ID
	}
	if id == "" {
		return "", fmt.Errorf("%s: the session is not logged in to WhatsApp: %w", what, provider.ErrUnavailable)
	}
	self, err := roster.Normalize(id)
	if err != nil {
		return "", fmt.Errorf("%s: the session's own id %q names no number: %w", what, id, provider.ErrUnavailable)
	}
	return self, nil
}

// participant is the union of the participant shapes: WAHA's v2 {id, pn, role}, WEBJS's
// {id:{_serialized}, isAdmin, isSuperAdmin}, Baileys' {id, phoneNumber, admin} and whatsmeow's
// {JID, PhoneNumber, IsAdmin, IsSuperAdmin}. JSON keys match fields case-insensitively, so
// isAdmin and IsAdmin land in one field.
type participant struct {
	ID           json.RawMessage `json:"id"`
	JID          string          `json:"jid"`
	PN           string          `json:"pn"`
	PhoneNumber  string          `json:"phoneNumber"`
	Role         string          `json:"role"`
	Admin        *string         `json:"admin"`
	IsAdmin      bool            `json:"isAdmin"`
	IsSuperAdmin bool            `json:"isSuperAdmin"`
}

// rawID is the participant's id as given: a string, or WEBJS's {_serialized}.
func (p participant) rawID() string {
	var s string
	if json.Unmarshal(p.ID, &s) == nil && s != "" {
		return s
	}
	var wid struct {
		Serialized string `json:"_serialized"`
	}
	if json.Unmarshal(p.ID, &wid) == nil && wid.Serialized != "" {
		return wid.Serialized
	}
	return p.JID
}

// role returns the participant's role; ok is false for one who has left the group.
func (p participant) role() (r roster.Role, ok bool) {
	name := p.Role
	switch {
	case name == "" && p.Admin != nil:
		name = *p.Admin
	case name == "" && p.IsSuperAdmin:
		name = "superadmin"
	case name == "" && p.IsAdmin:
		name = "admin"
	}
	switch name {
	case "left":
		return "", false
	case "superadmin":
		return roster.RoleSuperAdmin, true
	case "admin":
		return roster.RoleAdmin, true
	}
	return roster.RoleMember, true
}

// phone is the number attribute that comes with a LID: v2's pn or the engines' phoneNumber.
func (p participant) phone() string {
	if p.PN != "" {
		return p.PN
	}
	return p.PhoneNumber
}

// ReadGroup reads the group's participants, with the session's own number as Self, and
// remembers which members the group lists by LID. An empty list is returned as an empty
// roster, which the controller treats as unknown.
func (c *Client) ReadGroup(ctx context.Context, groupID string) (roster.Group, error) {
	what := fmt.Sprintf("read %s group %s", c.api.Name, groupID)
	resp, err := c.call(ctx, what, http.MethodGet, c.api.Groups+"/"+Escape(groupID)+c.api.Participants, nil, nil, false)
	if err != nil {
		return roster.Group{}, err
	}
	var list []participant
	if err = json.Unmarshal(resp.Body, &list); err != nil {
		return roster.Group{}, fmt.Errorf("%s: malformed response (%d bytes): %w", what, len(resp.Body), provider.ErrUnavailable)
	}
	g := roster.Group{ID: groupID}
	for _, p := range list {
		if role, present := p.role(); present {
			part := roster.Participant{RawID: p.rawID(), Role: role}
			part.Phone, _ = roster.Identify(part.RawID, p.phone()) // unresolved: the LID store may know
			g.Participants = append(g.Participants, part)
		}
	}
	if err = c.resolveLIDs(ctx, g.Participants); err != nil {
		return roster.Group{}, fmt.Errorf("%s: %w", what, err)
	}
	c.mem.lids.Learn(groupID, g)
	if g.Self, err = c.self(ctx); err != nil {
		return roster.Group{}, err
	}
	return g, nil
}
