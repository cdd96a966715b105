// instance.go owns what the client knows of its instance: the fetchInstances row, which proves
// the key and the instance, says whether it is connected, and names the instance's own number
// (ownerJid). The number is read once per client and kept, so that a steady-state read of a
// group costs one call; every CheckAccount reads it again.

package evolution

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

// instanceRow is the part of a fetchInstances row the client reads. The row also holds the
// instance token, which is never kept.
type instanceRow struct {
	Name             string  `json:"name"`
	ConnectionStatus string  `json:"connectionStatus"`
	OwnerJID         *string `json:"ownerJid"`
}

// fetchInstance reads the instance's row: its connection state and its own number.
func (c *Client) fetchInstance(ctx context.Context) (instanceRow, error) {
	what := "read Evolution instance " + c.instance
	var rows []instanceRow
	if err := c.call(ctx, what, http.MethodGet, "/instance/fetchInstances", url.Values{"instanceName": {c.instance}}, nil, &rows); err != nil {
		return instanceRow{}, err
	}
	for _, r := range rows {
		if r.Name == c.instance {
			return r, nil
		}
	}
	if len(rows) > 0 {
		// An instance token sees only its own instance, whatever instanceName asks for.
		return instanceRow{}, fmt.Errorf("%s: the API key belongs to another instance: %w", what, provider.ErrUnauthorized)
	}
	return instanceRow{}, fmt.Errorf("%s: no such instance: %w", what, provider.ErrNotFound)
}

// remember keeps the row's owner as the instance's own number and returns it; "" when the
// instance has not been paired.
func (c *Client) remember(r instanceRow) roster.Phone {
	var own roster.Phone
	if r.OwnerJID != nil {
		own, _ = roster.Normalize(*r.OwnerJID) // an unreadable ownerJid leaves the number unknown
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.own = own
	return own
}

// OwnNumber is the instance's own number as fetchInstances' ownerJid gave it, "" before the
// instance was read or while it is not paired.
func (c *Client) OwnNumber() roster.Phone {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.own
}

// self returns the instance's own number, reading the instance while it is not known.
func (c *Client) self(ctx context.Context) (roster.Phone, error) {
	if own := c.OwnNumber(); own != "" {
		return own, nil
	}
	r, err := c.fetchInstance(ctx)
	if err != nil {
		return "", err
	}
	return c.remember(r), nil
}

// CheckAccount reads the instance, learns its own number and checks that it is connected to
// WhatsApp.
func (c *Client) CheckAccount(ctx context.Context) error {
	r, err := c.fetchInstance(ctx)
	if err != nil {
		return err
	}
	c.remember(r)
	if r.ConnectionStatus != "open" {
		return fmt.Errorf("evolution instance %s is not connected to WhatsApp (state %q): %w", c.instance, r.ConnectionStatus, provider.ErrUnavailable)
	}
	return nil
}
