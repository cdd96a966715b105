// Package wawp is the provider client for Wawp (api.wawp.net), a hosted WAHA: the WAHA client
// core over Wawp's front door. The account is the instance_id, and it and the access token go
// in the query string of every call, so no URL ever reaches an error; group endpoints live
// under /v2/groups/{id} ("@" written "%40"), the roster is WEBJS's participant list with
// isAdmin/isSuperAdmin (LIDs resolved through the instance's LID list, GET /v2/lids, and
// written to by LID, as WEBJS drops a phone-addressed write in a LID-addressed group), the
// own number is GET /v2/session/me's id, and remove, promote and demote answer only
// {"ok": true}.
package wawp

import (
	"fmt"
	"net/url"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/waha"
)

// TypeName is the spec.type that selects this client.
const TypeName = "Wawp"

// DefaultEndpoint is Wawp's public API.
const DefaultEndpoint = "https://api.wawp.net"

func init() {
	provider.Register(TypeName, provider.Capabilities{
		// Undocumented, as for WAHA; Wawp's promote page also recommends "small batches".
		MaxBatch:        waha.MaxBatch,
		DefaultEndpoint: DefaultEndpoint,
		ReadCalls:       1, // participants; the own number and resolved LIDs are kept on the client
	}, New)
}

// New builds a client for the instance named by cfg.Account, with cfg.Credential as its
// access token. CheckAccount reads GET /v2/session/me, which also names the account's number.
func New(cfg provider.Config) (provider.Client, error) {
	if cfg.Account == "" {
		return nil, fmt.Errorf("%s: spec.account must be the instance_id: %w", TypeName, provider.ErrInvalidRequest)
	}
	if cfg.Credential == "" {
		return nil, fmt.Errorf("%s: empty access token: %w", TypeName, provider.ErrUnauthorized)
	}
	// Checked here, since a URL that fails to parse later would quote the query and its token.
	if u, err := url.Parse(cfg.Endpoint); err != nil || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("%s: endpoint %q is not a base URL such as %s: %w", TypeName, cfg.Endpoint, DefaultEndpoint, provider.ErrInvalidRequest)
	}
	return waha.NewClient(waha.API{
		Name:         TypeName,
		Endpoint:     cfg.Endpoint,
		Query:        url.Values{"instance_id": {cfg.Account}, "access_token": {cfg.Credential}},
		Secret:       cfg.Credential,
		Groups:       "/v2/groups",
		Participants: "/participants",
		Account:      "/v2/session/me",
		LIDList:      "/v2/lids",
		HTTP:         cfg.HTTP,
	}), nil
}
