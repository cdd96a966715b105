// account.go owns what the client learns of its device. GET /app/status, scoped to the device
// by X-Device-Id, says whether the device is connected and logged in and, since GOWA 8.3.1,
// which WhatsApp account it is logged in as: jid, "digits@s.whatsapp.net" (docs/openapi.yaml;
// GET /devices/{id}/status, the multi-device guide's health check, has no jid).

package gowa

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

// CheckAccount reads the device's status: it proves the Basic auth pair and the device id
// without a round trip to WhatsApp, checks that the device is connected and logged in, and
// learns the number it acts as.
func (c *Client) CheckAccount(ctx context.Context) error {
	_, err := c.readStatus(ctx)
	return err
}

// OwnNumber is the number the device is logged in as, from the client's last status read; ""
// before one, or when GOWA did not say (servers before 8.3.1 give no jid).
func (c *Client) OwnNumber() roster.Phone {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.own
}

// self is the device's own number for a group read: read once per client, then kept. A later
// CheckAccount refreshes it.
func (c *Client) self(ctx context.Context) (roster.Phone, error) {
	c.mu.Lock()
	own, known := c.own, c.knowsOwn
	c.mu.Unlock()
	if known {
		return own, nil
	}
	return c.readStatus(ctx)
}

// readStatus makes the status read and keeps the number it names. A jid that names no phone
// number leaves the number unknown, as GOWA leaves it empty until the device logs in.
func (c *Client) readStatus(ctx context.Context) (roster.Phone, error) {
	what := "read the status of GOWA device " + c.device
	raw, err := c.call(ctx, what, http.MethodGet, "/app/status", nil)
	if err != nil {
		return "", err
	}
	var status struct {
		IsConnected *bool  `json:"is_connected"`
		IsLoggedIn  *bool  `json:"is_logged_in"`
		JID         string `json:"jid"`
	}
	if err := json.Unmarshal(raw, &status); err != nil || status.IsConnected == nil || status.IsLoggedIn == nil {
		return "", fmt.Errorf("%s: response has no connection status: %w", what, provider.ErrUnavailable)
	}
	if !*status.IsConnected || !*status.IsLoggedIn {
		return "", fmt.Errorf("%s: connected=%t, logged in=%t: %w", what, *status.IsConnected, *status.IsLoggedIn, provider.ErrUnavailable)
	}
	own, _ := roster.Normalize(status.JID)
	c.mu.Lock()
	c.own, c.knowsOwn = own, true
	c.mu.Unlock()
	return own, nil
}
