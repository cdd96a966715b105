// lids.go owns the resolution of participants that a roster names by LID alone, through the
// session's LID store: WAHA answers one LID at a time (GET /api/{session}/lids/{lid} → {lid,
// pn}); Wawp documents only the whole store, page by page (GET /v2/lids?limit&offset →
// [{lid, pn}]). A LID the store does not know (pn null, or 404) stays unresolved, and so does
// every LID when the store itself is not found; any other failure fails the read, so that a
// sync never acts on half a roster. The client keeps the numbers the store gave, so a LID is
// looked up once; an unresolved one is asked again at the next read, since the store may
// learn it.

package waha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

const (
	// lidPage is how many mappings one page of the LID list asks for.
	lidPage = 100
	// maxLIDPages bounds the pages one read walks: 5,000 mappings, far more than a group holds.
	maxLIDPages = 50
)

// lidMapping is one entry of the LID store.
type lidMapping struct {
	LID string  `json:"lid"`
	PN  *string `json:"pn"`
}

// resolveLIDs fills in the numbers of the participants given by a LID alone, from what the
// client already knows and, for the rest, from the session's LID store.
func (c *Client) resolveLIDs(ctx context.Context, parts []roster.Participant) error {
	var want []string
	for i, p := range parts {
		if p.Resolved() || !strings.HasSuffix(p.RawID, "@lid") {
			continue
		}
		if n, ok := c.mem.numberOf(p.RawID); ok {
			parts[i].Phone = n
		} else if !contains(want, p.RawID) {
			want = append(want, p.RawID)
		}
	}
	var found map[string]roster.Phone
	var err error
	switch {
	case len(want) == 0:
		return nil
	case c.api.LIDLookup != "":
		found, err = c.lookupLIDs(ctx, want)
	case c.api.LIDList != "":
		found, err = c.listLIDs(ctx, want)
	}
	if err != nil && !errors.Is(err, provider.ErrNotFound) {
		return err
	}
	c.mem.learnNumbers(found)
	for i := range parts {
		if p, ok := found[parts[i].RawID]; ok && !parts[i].Resolved() {
			parts[i].Phone = p
		}
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// lookupLIDs asks the store for each LID in turn.
func (c *Client) lookupLIDs(ctx context.Context, lids []string) (map[string]roster.Phone, error) {
	found := map[string]roster.Phone{}
	for _, lid := range lids {
		what := "resolve " + lid
		resp, err := c.call(ctx, what, http.MethodGet, c.api.LIDLookup+"/"+Escape(lid), nil, nil, false)
		if errors.Is(err, provider.ErrNotFound) {
			continue
		}
		if err != nil {
			return found, err
		}
		var m lidMapping
		if json.Unmarshal(resp.Body, &m) != nil {
			return found, fmt.Errorf("%s: malformed response (%d bytes): %w", what, len(resp.Body), provider.ErrUnavailable)
		}
		if p, ok := m.phone(); ok {
			found[lid] = p
		}
	}
	return found, nil
}

// listLIDs walks the store's list until every LID is found or the list ends.
func (c *Client) listLIDs(ctx context.Context, lids []string) (map[string]roster.Phone, error) {
	found := map[string]roster.Phone{}
	for page := 0; page < maxLIDPages && len(found) < len(lids); page++ {
		what := fmt.Sprintf("list the %s session's LIDs from %d", c.api.Name, page*lidPage)
		q := url.Values{"limit": {strconv.Itoa(lidPage)}, "offset": {strconv.Itoa(page * lidPage)}}
		resp, err := c.call(ctx, what, http.MethodGet, c.api.LIDList, q, nil, false)
		if err != nil {
			return found, err
		}
		var list []lidMapping
		if json.Unmarshal(resp.Body, &list) != nil {
			return found, fmt.Errorf("%s: malformed response (%d bytes): %w", what, len(resp.Body), provider.ErrUnavailable)
		}
		for _, m := range list {
			if p, ok := m.phone(); ok && contains(lids, m.LID) {
				found[m.LID] = p
			}
		}
		if len(list) < lidPage {
			break
		}
	}
	return found, nil
}

// phone is the mapping's number; false when the store does not know it.
func (m lidMapping) phone() (roster.Phone, bool) {
	if m.PN == nil {
		return "", false
	}
	p, err := roster.Normalize(*m.PN)
	return p, err == nil
}
