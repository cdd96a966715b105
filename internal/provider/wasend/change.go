// change.go holds the participant writes and the reading of their answers. The website docs
// give an answer per write:
//
//	add     {success, data:{added:[{id, reason:"SUCCESS"}], failed:[{id, reason:"NOT_FOUND"|"ALREADY_IN_GROUP"}]}}
//	remove  {success, removed:[{id}], message}
//	promote {success, promoted:[{id, isAdmin, isSuperAdmin}], message}; 422 for "an already admin or non-existent user"
//	demote  {success, data:{demoted:[{id, reason}], failed:[{id, reason:"NOT_ADMIN"|"NOT_FOUND"}]}}
//
// The SDK declares its remove, promote and demote void. Whatever an answer does not name is
// ResultUnknown: the next read tells.

package wasend

import (
	"context"
	"fmt"
	"strings"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
	"github.com/wagov/wagov/internal/roster"
)

type changeRequest struct {
	Participants []string `json:"participants"`
}

// Change applies op to at most MaxBatch members in one call (plus, for the first remove,
// promote or demote of a client that has not yet learnt the server's paths, the reads that
// learn them). A remove, promote or demote names a member the group's last read listed by LID
// with that LID.
func (c *Client) Change(ctx context.Context, groupID string, op roster.Op, members []roster.Phone) ([]provider.Outcome, error) {
	if _, known := website.writes[op]; !known {
		return nil, fmt.Errorf("unknown Wasend operation %q: %w", op, provider.ErrInvalidRequest)
	}
	if len(members) == 0 || len(members) > MaxBatch {
		return nil, fmt.Errorf("%s on Wasend: %d participants, want 1 to %d: %w", op, len(members), MaxBatch, provider.ErrInvalidRequest)
	}
	paths := website // add has the same path in both sets
	if op != roster.OpAdd {
		var err error
		if paths, err = c.pathsFor(ctx, groupID); err != nil {
			return nil, err
		}
	}
	rt := paths.writes[op]
	req := changeRequest{Participants: c.targets(groupID, op, members)}
	what := fmt.Sprintf("%s %d participants in Wasend group %s", strings.ToLower(string(op)), len(members), groupID)
	resp, err := c.call(ctx, what, rt.method, c.groupPath(groupID)+rt.suffix, req)
	if err != nil {
		if op == roster.OpPromote && resp != nil && resp.Status == 422 {
			// Documented: "Attempting to promote an already admin or non-existent user".
			return each(members, provider.ResultUnknown, "Wasend refused the promote: "+c.envelope(resp).message), nil
		}
		return nil, err
	}
	var ans answer
	if err := httpx.Decode(resp, what, &ans); err != nil {
		return nil, err
	}
	return ans.outcomes(op, members, req.Participants), nil
}

// item is one participant named in an answer.
type item struct {
	ID      string `json:"id"`
	Reason  string `json:"reason"`
	IsAdmin *bool  `json:"isAdmin"` // promote: "Indicates if the participant is now an admin"
}

// answer is every documented write answer at once; each op reads its own fields.
type answer struct {
	Data *struct {
		Added   []item `json:"added"`
		Failed  []item `json:"failed"`
		Demoted []item `json:"demoted"`
	} `json:"data"`
	Removed  *[]item `json:"removed"`
	Promoted *[]item `json:"promoted"`
	Message  string  `json:"message"`
}

// verdict is a result with the provider's words for one member.
type verdict struct {
	result provider.Result
	why    string
}

func (a answer) outcomes(op roster.Op, members []roster.Phone, sent []string) []provider.Outcome {
	named := map[string]verdict{}
	put := func(items []item, judge func(item) verdict) {
		for _, it := range items {
			named[it.ID] = judge(it)
		}
	}
	rest := verdict{provider.ResultUnknown, "Wasend's answer does not name this participant"}
	switch {
	case op == roster.OpAdd && a.Data != nil:
		put(a.Data.Added, func(it item) verdict { return verdict{provider.ResultApplied, it.Reason} })
		put(a.Data.Failed, func(it item) verdict { return verdict{addResult(it.Reason), it.Reason} })
	case op == roster.OpDemote && a.Data != nil:
		put(a.Data.Demoted, func(it item) verdict { return verdict{provider.ResultApplied, it.Reason} })
		put(a.Data.Failed, func(it item) verdict { return verdict{demoteResult(it.Reason), it.Reason} })
	case op == roster.OpRemove && a.Removed != nil:
		put(*a.Removed, func(item) verdict { return verdict{provider.ResultApplied, ""} })
		rest.why = a.Message
	case op == roster.OpPromote && a.Promoted != nil:
		put(*a.Promoted, func(it item) verdict {
			if it.IsAdmin != nil && !*it.IsAdmin {
				return verdict{provider.ResultUnknown, "Wasend lists the participant as promoted but not as an admin"}
			}
			return verdict{provider.ResultApplied, ""}
		})
		rest.why = a.Message
	}
	out := make([]provider.Outcome, len(members))
	for i, m := range members {
		v, ok := lookup(named, m, sent[i])
		if !ok {
			v = rest
		}
		out[i] = provider.Outcome{Member: m, Result: v.result, Message: v.why}
	}
	return out
}

// lookup finds a member in an answer by the id as sent or by any other form of its number.
func lookup(named map[string]verdict, m roster.Phone, sent string) (verdict, bool) {
	if v, ok := named[sent]; ok {
		return v, true
	}
	for id, v := range named {
		if p, err := roster.Normalize(id); err == nil && p == m {
			return v, true
		}
	}
	return verdict{}, false
}

// addResult maps an add's failure reason. NOT_FOUND and ALREADY_IN_GROUP are documented; the
// others are recognised by what they name [inferred], since WhatsApp's privacy (403),
// recently-left (408) and group-full (419) refusals must surface somehow.
func addResult(reason string) provider.Result {
	switch r := strings.ToUpper(reason); {
	case r == "SUCCESS":
		return provider.ResultApplied
	case r == "ALREADY_IN_GROUP":
		return provider.ResultUnchanged
	case r == "NOT_FOUND":
		return provider.ResultNotOnWhatsApp
	case strings.Contains(r, "PRIVACY"), strings.Contains(r, "INVITE"):
		return provider.ResultInviteRequired
	case strings.Contains(r, "LEFT"):
		return provider.ResultRecentlyLeft
	case strings.Contains(r, "FULL"):
		return provider.ResultGroupFull
	}
	return provider.ResultRejected
}

// demoteResult maps a demote's failure reason: NOT_ADMIN and NOT_FOUND both mean the member
// holds no admin rights in the group, which is what a demote wants.
func demoteResult(reason string) provider.Result {
	switch strings.ToUpper(reason) {
	case "NOT_ADMIN", "NOT_FOUND":
		return provider.ResultUnchanged
	}
	return provider.ResultRejected
}

func each(members []roster.Phone, r provider.Result, message string) []provider.Outcome {
	out := make([]provider.Outcome, len(members))
	for i, m := range members {
		out[i] = provider.Outcome{Member: m, Result: r, Message: message}
	}
	return out
}
