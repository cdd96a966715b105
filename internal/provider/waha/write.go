// write.go owns the writes. A member is named by phone ("<digits>@c.us"), except in a remove,
// promote or demote of a member whom the group's last read listed by LID: engines drop those
// when they name the member by phone (devlikeapro/waha#1264, wwebjs#3602), and WAHA accepts an
// @lid participant id. WAHA passes the engine's answer through, so an outcome is read from
// whichever shape came back, an answer that names a LID the request sent meaning that member:
//   - NOWEB (Baileys): [{status:"200"|"403"|…, jid, content}], a privacy refusal carrying an
//     add_request node;
//   - GOWS (whatsmeow): [{JID, PhoneNumber, Error, AddRequest}], Error 0 meaning done;
//   - WEBJS: an add answers {"<id>": {code, message, isInviteV4Sent}}, the others {status:200}
//     and silently skip whom they cannot change;
//   - Wawp: {"ok": true}.
//
// A member the answer does not name is ResultUnknown: the next read tells.

package waha

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

// writePaths are the write endpoints below a group.
var writePaths = map[roster.Op]string{
	roster.OpAdd:     "/participants/add",
	roster.OpRemove:  "/participants/remove",
	roster.OpPromote: "/admin/promote",
	roster.OpDemote:  "/admin/demote",
}

type participantID struct {
	ID string `json:"id"`
}

// participantsRequest is WAHA's ParticipantsRequest.
type participantsRequest struct {
	Participants []participantID `json:"participants"`
}

// Change applies op to at most MaxBatch members in one call.
func (c *Client) Change(ctx context.Context, groupID string, op roster.Op, members []roster.Phone) ([]provider.Outcome, error) {
	path, ok := writePaths[op]
	if !ok {
		return nil, fmt.Errorf("%s: unknown operation %q", c.api.Name, op)
	}
	if len(members) == 0 || len(members) > MaxBatch {
		return nil, fmt.Errorf("%s %s: %d participants, want 1 to %d: %w", c.api.Name, op, len(members), MaxBatch, provider.ErrInvalidRequest)
	}
	req := participantsRequest{Participants: make([]participantID, len(members))}
	sentLIDs := map[string]roster.Phone{}
	for i, m := range members {
		req.Participants[i] = participantID{m.JID("c.us")}
		if lid, ok := c.mem.lids.LID(groupID, m); ok && op != roster.OpAdd {
			req.Participants[i].ID, sentLIDs[lid] = lid, m
		}
	}
	what := fmt.Sprintf("%s %d participants in %s group %s", strings.ToLower(string(op)), len(members), c.api.Name, groupID)
	resp, err := c.call(ctx, what, http.MethodPost, c.api.Groups+"/"+Escape(groupID)+path, nil, req, true)
	if err != nil {
		return nil, err
	}
	answers := perMember(resp.Body, sentLIDs)
	out := make([]provider.Outcome, len(members))
	for i, m := range members {
		out[i] = provider.Outcome{Member: m, Result: provider.ResultUnknown}
		if r, ok := answers[m]; ok {
			out[i].Result, out[i].Code, out[i].Message = resultOf(op, r.code), r.code, c.scrub(r.message)
		}
	}
	return out, nil
}

// engineResult is the union of the engines' per-participant answers (see the file comment).
// JSON keys match fields case-insensitively, so Baileys' jid and whatsmeow's JID share a field.
type engineResult struct {
	Status      json.RawMessage `json:"status"`
	JID         string          `json:"jid"`
	PhoneNumber string          `json:"phoneNumber"`
	Error       *int            `json:"Error"`
	AddRequest  *struct {
		Code string `json:"Code"`
	} `json:"AddRequest"`
	Content struct {
		Content []struct {
			Tag string `json:"tag"`
		} `json:"content"`
	} `json:"content"`
	Code           *int   `json:"code"`
	Message        string `json:"message"`
	IsInviteV4Sent bool   `json:"isInviteV4Sent"`
}

// answer is what a write's answer says about one member.
type answer struct {
	code    int
	message string
}

// perMember reads the answer of a write into a code per member it names; sentLIDs are the
// LIDs the request named members by.
func perMember(body []byte, sentLIDs map[string]roster.Phone) map[roster.Phone]answer {
	out := map[roster.Phone]answer{}
	var list []engineResult
	if json.Unmarshal(body, &list) == nil {
		for _, r := range list {
			if p, ok := named(r.JID, r.PhoneNumber, sentLIDs); ok {
				if s, ok := r.answer(); ok {
					out[p] = s
				}
			}
		}
		return out
	}
	var byID map[string]json.RawMessage
	if json.Unmarshal(body, &byID) != nil {
		return out
	}
	for id, raw := range byID {
		var r engineResult
		p, ok := named(id, "", sentLIDs)
		if !ok || json.Unmarshal(raw, &r) != nil {
			continue
		}
		if s, ok := r.answer(); ok {
			out[p] = s
		}
	}
	return out
}

// named returns the member an answer's id (with its phone attribute) names: the member the
// request sent that LID for, or the number the id gives.
func named(id, phone string, sentLIDs map[string]roster.Phone) (roster.Phone, bool) {
	if m, ok := sentLIDs[id]; ok {
		return m, true
	}
	p, err := roster.Identify(id, phone)
	return p, err == nil
}

// answer returns the WhatsApp code of one result, if it carries one.
func (r engineResult) answer() (answer, bool) {
	var s answer
	var status string
	switch {
	case r.Code != nil:
		s.code = *r.Code
	case r.Error != nil && *r.Error == 0:
		s.code = 200
	case r.Error != nil:
		s.code = *r.Error
	case json.Unmarshal(r.Status, &status) == nil:
		code, err := strconv.Atoi(status)
		if err != nil {
			return answer{}, false
		}
		s.code = code
	case json.Unmarshal(r.Status, &s.code) != nil:
		return answer{}, false
	}
	s.message = r.Message
	switch {
	case r.IsInviteV4Sent:
		s.message = strings.TrimSpace(s.message + " (an invite was sent instead)")
	case r.AddRequest != nil || r.hasAddRequest():
		s.message = strings.TrimSpace(s.message + " (WhatsApp issued an invite code: send it to the number to let them join)")
	}
	return s, true
}

func (r engineResult) hasAddRequest() bool {
	for _, n := range r.Content.Content {
		if n.Tag == "add_request" {
			return true
		}
	}
	return false
}

// resultOf maps WhatsApp's per-participant code: the add codes of providers.md §1.4; for the
// other writes 200 is done and anything else a refusal.
func resultOf(op roster.Op, code int) provider.Result {
	if op == roster.OpAdd {
		return provider.AddResult(code)
	}
	if code == 200 {
		return provider.ResultApplied
	}
	return provider.ResultRejected
}
