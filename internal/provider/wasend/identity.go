// identity.go owns what the client learns about who is who. The session's own number comes
// from the session read both documents give, GET /sessions/{sessionId} (wasend.dev/docs/
// sessions/get-info; @wasend/core retrieveSessionInfo), whose phoneNumber is the number the
// session acts as ("+919876543210" in the SDK's examples); it is read by CheckAccount, or by
// the first ReadGroup of a client that has not checked, and kept. And per group, the @lid JID
// the last read listed each member by: in a LID-addressed group the participant's jid is its
// LID, several engines drop a remove, promote or demote that names such a member by phone
// (providers.md §12), and Wasend takes "phone numbers or full JIDs", so those writes name the
// member by the id the read gave.

package wasend

import (
	"context"
	"fmt"
	"net/http"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
	"github.com/wagov/wagov/internal/roster"
)

var _ provider.Identity = (*Client)(nil)

// OwnNumber is the session's phone number, known after a successful CheckAccount or ReadGroup.
func (c *Client) OwnNumber() roster.Phone {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.self
}

// ownNumber returns the session's number, reading the session when the client does not know it.
func (c *Client) ownNumber(ctx context.Context) (roster.Phone, error) {
	if self := c.OwnNumber(); self != "" {
		return self, nil
	}
	return c.readSession(ctx)
}

// readSession reads the session, which proves the key and the session id, and keeps its number.
// Both documents declare phoneNumber required, so an answer without a usable one is
// ErrUnavailable rather than a session of unknown number.
func (c *Client) readSession(ctx context.Context) (roster.Phone, error) {
	what := "read Wasend session " + c.session
	resp, err := c.call(ctx, what, http.MethodGet, "/sessions"+c.scope, nil)
	if err != nil {
		return "", err
	}
	var s struct {
		PhoneNumber string `json:"phoneNumber"`
		Status      string `json:"status"`
	}
	if err = httpx.Decode(resp, what, &s); err != nil {
		return "", err
	}
	self, err := roster.Normalize(s.PhoneNumber)
	if err != nil {
		return "", fmt.Errorf("%s: its phoneNumber (status %q): %w: %w", what, s.Status, err, provider.ErrUnavailable)
	}
	c.mu.Lock()
	c.self = self
	c.mu.Unlock()
	return self, nil
}

// targets are the ids a write of op names members by: for a remove, promote or demote, the
// @lid JID the group's last read listed a member by; otherwise digits@s.whatsapp.net.
func (c *Client) targets(groupID string, op roster.Op, members []roster.Phone) []string {
	out := make([]string, len(members))
	for i, m := range members {
		out[i] = m.JID("s.whatsapp.net")
		if lid, ok := c.lids.LID(groupID, m); ok && op != roster.OpAdd {
			out[i] = lid
		}
	}
	return out
}
