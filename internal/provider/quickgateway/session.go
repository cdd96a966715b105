// session.go owns the session's own identity: its phone number (the group's Self, never
// demoted or removed) and its LID (how the member list names it). Only GET /sessions/{session}
// tells them, so they are remembered per session for an hour: a sync then costs the member
// list and its contacts, not a third read. A session re-paired to another number is noticed
// within the hour.

package quickgateway

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

// identityTTL is how long a session's own number and LID are trusted without a fresh read.
const identityTTL = time.Hour

// identity is a session's own number and LID.
type identity struct {
	phone roster.Phone
	lid   string
	at    time.Time
}

// identities are the sessions' own identities by session URL; every Client of a session shares
// them.
var identities = struct {
	sync.Mutex
	bySession map[string]identity
}{bySession: map[string]identity{}}

type session struct {
	Status      string `json:"status"`
	PhoneNumber string `json:"phoneNumber"`
	WALID       string `json:"waLid"`
}

// identity returns the session's own identity; false while the session is not paired.
func (s session) identity() (identity, bool) {
	phone, err := roster.Normalize(s.PhoneNumber)
	return identity{phone: phone, lid: s.WALID, at: time.Now()}, err == nil
}

// readSession reads the session and remembers its identity when it is paired.
func (c *Client) readSession(ctx context.Context) (session, error) {
	var s session
	if err := c.call(ctx, "read QuickGateway session "+c.session, http.MethodGet, "", nil, &s); err != nil {
		return session{}, err
	}
	if id, ok := s.identity(); ok {
		identities.Lock()
		identities.bySession[c.base] = id
		identities.Unlock()
	}
	return s, nil
}

// self returns the session's own identity, reading the session when it is not remembered.
func (c *Client) self(ctx context.Context) (identity, error) {
	identities.Lock()
	id, ok := identities.bySession[c.base]
	identities.Unlock()
	if ok && time.Since(id.at) < identityTTL {
		return id, nil
	}
	s, err := c.readSession(ctx)
	if err != nil {
		return identity{}, err
	}
	if id, ok = s.identity(); !ok {
		return identity{}, fmt.Errorf("QuickGateway session %s has no paired number (status %q): %w", c.session, s.Status, provider.ErrUnavailable)
	}
	return id, nil
}
