// session.go owns the session's own identity: its phone number (the group's Self, never demoted
// or removed) and its LID (how the member list names it). Only GET /sessions/{session} tells
// them (phoneNumber, else waJid; waLid). The client reads them once and keeps them, so that a
// sync costs the member list and its contacts, not a third read; every CheckAccount reads the
// session again, so a session re-paired to another number is noticed at the next check.

package quickgateway

import (
	"context"
	"fmt"
	"net/http"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

// identity is a session's own number and LID.
type identity struct {
	phone roster.Phone
	lid   string
}

type session struct {
	Status      string `json:"status"`
	PhoneNumber string `json:"phoneNumber"`
	WAJID       string `json:"waJid"`
	WALID       string `json:"waLid"`
}

// identity returns the session's own identity; false while the session is not paired.
func (s session) identity() (identity, bool) {
	phone, err := roster.Normalize(s.PhoneNumber)
	if err != nil {
		phone, err = roster.Normalize(s.WAJID)
	}
	return identity{phone: phone, lid: s.WALID}, err == nil
}

// readSession reads the session and keeps its identity: the paired one, or none while the
// session is not paired.
func (c *Client) readSession(ctx context.Context) (session, error) {
	var s session
	if err := c.call(ctx, "read QuickGateway session "+c.session, http.MethodGet, "", nil, &s); err != nil {
		return session{}, err
	}
	id, _ := s.identity()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.id = id
	return s, nil
}

// OwnNumber is the session's paired number as the session read gave it, "" before the session
// was read or while it is not paired.
func (c *Client) OwnNumber() roster.Phone {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id.phone
}

// self returns the session's own identity, reading the session while it is not known.
func (c *Client) self(ctx context.Context) (identity, error) {
	c.mu.Lock()
	id := c.id
	c.mu.Unlock()
	if id.phone != "" {
		return id, nil
	}
	s, err := c.readSession(ctx)
	if err != nil {
		return identity{}, err
	}
	id, ok := s.identity()
	if !ok {
		return identity{}, fmt.Errorf("QuickGateway session %s has no paired number (status %q): %w", c.session, s.Status, provider.ErrUnavailable)
	}
	return id, nil
}
