// paths.go owns the two path sets Wasend documents and the detection of the one the server
// answers. Reads of participants and adds have the same path in both; only remove, promote
// and demote differ, so only they need the detection. It reads one group under each set's
// group-read path (website: GET …/{groupId}/info, SDK: GET …/{groupId}) until one answers; an
// unserved path answers 404, and a read changes nothing, so probing is safe. CheckAccount
// probes with the first group the session is in; otherwise the first remove, promote or
// demote probes with its own group. The result is kept for the client's life.

package wasend

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

// route is the method and the path after /groups/{groupId} of one call.
type route struct {
	method, suffix string
}

// pathSet is one documented layout of Wasend's group endpoints.
type pathSet struct {
	// name says which document the set comes from, for Describe.
	name string
	// read is the group read that only this set answers.
	read string
	// writes are the participant writes.
	writes map[roster.Op]route
}

var (
	// website is the layout of wasend.dev/docs/groups/*.
	website = &pathSet{
		name: "the paths of Wasend's website docs (GET …/info, DELETE …/participants, POST …/participants/promote and …/demote)",
		read: "/info",
		writes: map[roster.Op]route{
			roster.OpAdd:     {http.MethodPost, "/participants/add"},
			roster.OpRemove:  {http.MethodDelete, "/participants"},
			roster.OpPromote: {http.MethodPost, "/participants/promote"},
			roster.OpDemote:  {http.MethodPost, "/participants/demote"},
		},
	}
	// sdk is the layout of the official SDK, @wasend/core 1.3.3.
	sdk = &pathSet{
		name: "the paths of Wasend's SDK (GET /groups/{groupId}, POST …/participants/remove, …/admin/promote and …/admin/demote)",
		read: "",
		writes: map[roster.Op]route{
			roster.OpAdd:     {http.MethodPost, "/participants/add"},
			roster.OpRemove:  {http.MethodPost, "/participants/remove"},
			roster.OpPromote: {http.MethodPost, "/admin/promote"},
			roster.OpDemote:  {http.MethodPost, "/admin/demote"},
		},
	}
	// pathSets are tried in this order: the website docs are the provider's own reference.
	pathSets = []*pathSet{website, sdk}
)

func (c *Client) detected() *pathSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paths
}

// pathsFor returns the path set the server answers, probing with groupID when it is not yet known.
func (c *Client) pathsFor(ctx context.Context, groupID string) (*pathSet, error) {
	if p := c.detected(); p != nil {
		return p, nil
	}
	for _, p := range pathSets {
		_, err := c.call(ctx, "read Wasend group "+groupID+" to learn the server's paths", http.MethodGet, c.groupPath(groupID)+p.read, nil)
		switch {
		case err == nil:
			c.mu.Lock()
			c.paths = p
			c.mu.Unlock()
			return p, nil
		case !errors.Is(err, provider.ErrNotFound):
			return nil, err
		}
	}
	return nil, fmt.Errorf("session %s on Wasend: neither the website docs' GET …/groups/%s/info nor the SDK's GET …/groups/%s answered: %w",
		c.session, groupID, groupID, provider.ErrNotFound)
}

var _ provider.Describer = (*Client)(nil)

// Describe says which of Wasend's path sets the server answers.
func (c *Client) Describe() string {
	if p := c.detected(); p != nil {
		return "the server answers " + p.name
	}
	return "which of Wasend's path sets the server answers is not known yet: it is learnt from the first group the session is in"
}
