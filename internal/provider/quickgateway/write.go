// write.go owns the participant writes: an add takes a list of phone JIDs in its body, a remove,
// promote or demote names one member in the path (by LID where the last read gave one; lid.go).
// Every accepted write answers 204 and the gateway drops WhatsApp's per-member result, so the
// client asks the gateway's live lookup (GET /contacts/check) whether each newcomer is on
// WhatsApp before adding them: an add cannot tell an unregistered number from a success.

package quickgateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

type addRequest struct {
	Participants []string `json:"participants"`
}

// Change applies op to members: an add carries up to MaxBatch in one call, a remove, promote or
// demote one. The gateway answers 204 for every accepted call and drops WhatsApp's per-member
// result, so the outcome of a member sent is Unknown and the next read tells; a newcomer the
// lookup finds no account for is NotOnWhatsApp.
func (c *Client) Change(ctx context.Context, groupID string, op roster.Op, members []roster.Phone) ([]provider.Outcome, error) {
	switch op {
	case roster.OpAdd, roster.OpRemove, roster.OpPromote, roster.OpDemote:
	default:
		return nil, fmt.Errorf("QuickGateway: unknown operation %q: %w", op, provider.ErrInvalidRequest)
	}
	if limit := capabilities.BatchFor(op); len(members) == 0 || len(members) > limit {
		return nil, fmt.Errorf("QuickGateway %s: %d members, want 1 to %d: %w", op, len(members), limit, provider.ErrInvalidRequest)
	}
	path := "/groups/" + pathJID(groupID) + "/members"
	if op == roster.OpAdd {
		return c.add(ctx, groupID, path, members)
	}
	return c.changeOne(ctx, groupID, path, op, members[0])
}

// unreported is the outcome of a member in a call the gateway accepted.
func unreported(m roster.Phone) provider.Outcome {
	return provider.Outcome{Member: m, Result: provider.ResultUnknown,
		Message: "the gateway accepted the change (204) but does not report what WhatsApp did"}
}

// add adds the members the gateway's lookup finds on WhatsApp, by phone JID in one call; the
// others are NotOnWhatsApp and not sent.
func (c *Client) add(ctx context.Context, groupID, path string, members []roster.Phone) ([]provider.Outcome, error) {
	out := make([]provider.Outcome, len(members))
	var body addRequest
	for i, m := range members {
		on, err := c.onWhatsApp(ctx, m)
		if err != nil {
			return nil, err
		}
		if !on {
			out[i] = provider.Outcome{Member: m, Result: provider.ResultNotOnWhatsApp, Message: "the gateway's lookup finds no WhatsApp account for the number"}
			continue
		}
		out[i] = unreported(m)
		body.Participants = append(body.Participants, m.JID("s.whatsapp.net"))
	}
	if len(body.Participants) == 0 {
		return out, nil
	}
	what := fmt.Sprintf("add %d members to QuickGateway group %s", len(body.Participants), groupID)
	if err := c.call(ctx, what, http.MethodPost, path, body, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// onWhatsApp asks the gateway's live lookup whether m has a WhatsApp account.
func (c *Client) onWhatsApp(ctx context.Context, m roster.Phone) (bool, error) {
	var answer struct {
		IsOnWhatsApp bool `json:"isOnWhatsApp"`
	}
	what := "look up " + m.E164() + " on WhatsApp through QuickGateway"
	err := c.call(ctx, what, http.MethodGet, "/contacts/check?"+url.Values{"phone": {m.E164()}}.Encode(), nil, &answer)
	return answer.IsOnWhatsApp, err
}

// changeOne removes, promotes or demotes one member, named in the path by memberJID.
func (c *Client) changeOne(ctx context.Context, groupID, path string, op roster.Op, m roster.Phone) ([]provider.Outcome, error) {
	method := http.MethodPost
	path += "/" + pathJID(c.memberJID(groupID, m))
	if op == roster.OpRemove {
		method = http.MethodDelete
	} else {
		path += "/" + strings.ToLower(string(op))
	}
	what := fmt.Sprintf("%s %s in QuickGateway group %s", strings.ToLower(string(op)), m.E164(), groupID)
	err := c.call(ctx, what, method, path, nil, nil)
	if errors.Is(err, provider.ErrNotFound) && !missingSessionOrGroup(err) {
		// 404 is documented for "the session, group, or member"; one that names neither the
		// session nor the group is the member's. If that guess is wrong, the next read says so.
		return []provider.Outcome{{Member: m, Result: provider.ResultRejected, Message: err.Error()}}, nil
	}
	if err != nil {
		return nil, err
	}
	return []provider.Outcome{unreported(m)}, nil
}

// missingSessionOrGroup reports whether a 404's message, such as the documented "session not
// found", names the session or the group rather than the member.
func missingSessionOrGroup(err error) bool {
	var ge *gatewayError
	return errors.As(err, &ge) && (strings.Contains(ge.message, "session") || strings.Contains(ge.message, "group"))
}
