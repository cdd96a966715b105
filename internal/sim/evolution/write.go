// write.go serves Evolution's one participant write, POST /group/updateParticipant/{instance}:
// {action: add|remove|promote|demote, participants: [...]}, each participant passed through
// createJid, answered 201 with Baileys' per-member results {status, jid, content}, whose status
// is WhatsApp's code as a string.
//
// In a LID-addressed group a remove, promote or demote that names a member by number changes
// nothing and answers status "404" for that member (evolution-api#1239); naming the member's LID,
// which createJid passes through, works.
//
// Where the sources stop, the simulator infers: a write the account may not make (not an admin,
// not in the group) or on an unknown group fails in Baileys, which Evolution answers 400 "Error
// updating participants" with Baileys' error text ("Error: forbidden", "Error:
// item-not-found"); a remove, promote or demote WhatsApp refuses is status "404" for a
// non-participant and "403" for the creator; an identity that names no number is "404".

package evolution

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

// actions maps Evolution's action names to the world's operations.
var actions = map[string]string{"add": sim.OpAdd, "remove": sim.OpRemove, "promote": sim.OpPromote, "demote": sim.OpDemote}

type updateRequest struct {
	Action       *string           `json:"action"`
	Participants []json.RawMessage `json:"participants"`
}

// node is a Baileys BinaryNode as JSON.
type node struct {
	Tag     string            `json:"tag"`
	Attrs   map[string]string `json:"attrs"`
	Content []node            `json:"content,omitempty"`
}

type memberResult struct {
	Status  string `json:"status"`
	JID     string `json:"jid"`
	Content node   `json:"content"`
}

// target is one participant of a write: the JID Evolution made of it and, when it names one,
// the number the world acts on.
type target struct {
	jid      string
	phone    roster.Phone
	resolved bool
}

func updateParticipant(x *sim.Exchange) sim.Reply {
	jid, refused := groupJID(x)
	if refused != nil {
		return *refused
	}
	op, sent, refused := parseUpdate(x.Body)
	if refused != nil {
		return *refused
	}
	targets := make([]target, len(sent))
	var named []sim.Target
	for i, s := range sent {
		t := target{jid: createJID(s)}
		t.phone, t.resolved = resolve(x, t.jid)
		if t.resolved {
			named = append(named, sim.Target{Phone: t.phone, ByLID: strings.HasSuffix(t.jid, "@lid")})
		}
		targets[i] = t
	}
	own, _ := self(x)
	codes, err := apply(x, op, jid, own, named)
	if err != nil {
		return baileysFailed(err)
	}
	results := make([]memberResult, len(targets))
	for i, t := range targets {
		code := http.StatusNotFound
		if t.resolved {
			code, codes = codes[0], codes[1:]
		}
		results[i] = result(t.jid, code)
	}
	return sim.Reply{Status: http.StatusCreated, Body: struct {
		UpdateParticipants []memberResult `json:"updateParticipants"`
	}{results}}
}

// parseUpdate validates the body against Evolution's updateParticipantsSchema: an action from
// the enum, and at least one participant, no two alike, each a string of at least 10
// characters containing a digit (the schema's pattern "\d+" is unanchored).
func parseUpdate(body []byte) (string, []string, *sim.Reply) {
	var req updateRequest
	if err := json.Unmarshal(body, &req); err != nil {
		r := fail(http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return "", nil, &r
	}
	var problems []any
	op, known := "", false
	if req.Action == nil {
		problems = append(problems, validation("instance", `requires property "action"`))
	} else if op, known = actions[*req.Action]; !known {
		problems = append(problems, validation("action", "is not one of enum values: add,remove,promote,demote"))
	}
	sent, more := parseParticipants(req.Participants)
	if problems = append(problems, more...); len(problems) > 0 {
		r := fail(http.StatusBadRequest, problems...)
		return "", nil, &r
	}
	return op, sent, nil
}

const participantsRule = `"participants" must be an array of numeric strings`

func parseParticipants(raw []json.RawMessage) ([]string, []any) {
	if raw == nil {
		return nil, []any{validation("instance", `requires property "participants"`)}
	}
	if len(raw) == 0 {
		return nil, []any{validation("participants", "does not meet minimum length of 1")}
	}
	var problems []any
	sent := make([]string, len(raw))
	seen := map[string]bool{}
	for i, r := range raw {
		property := fmt.Sprintf("participants[%d]", i)
		if json.Unmarshal(r, &sent[i]) != nil || len(sent[i]) < 10 || !hasDigit(sent[i]) {
			problems = append(problems, fieldError{Property: property, Message: participantsRule})
			continue
		}
		if seen[sent[i]] {
			problems = append(problems, validation("participants", "contains duplicate item"))
		}
		seen[sent[i]] = true
	}
	return sent, problems
}

func hasDigit(s string) bool {
	for _, r := range s {
		if r >= '0' && r <= '9' {
			return true
		}
	}
	return false
}

// apply runs the operation in the world and returns a WhatsApp code per target.
func apply(x *sim.Exchange, op, jid string, actor roster.Phone, targets []sim.Target) ([]int, error) {
	if op == sim.OpAdd {
		phones := make([]roster.Phone, len(targets))
		for i, t := range targets {
			phones[i] = t.Phone
		}
		return x.Add(jid, actor, phones)
	}
	before, _ := x.ReadGroup(jid)
	accepted, err := x.ChangeTargets(op, jid, actor, targets)
	codes := make([]int, len(accepted))
	for i, ok := range accepted {
		switch {
		case before.Addressing == "lid" && !targets[i].ByLID:
			codes[i] = http.StatusNotFound
		case ok:
			codes[i] = http.StatusOK
		case roleIn(before, targets[i].Phone) == "":
			codes[i] = http.StatusNotFound
		default:
			codes[i] = http.StatusForbidden
		}
	}
	return codes, err
}

func roleIn(g sim.GroupState, p roster.Phone) string {
	for _, m := range g.Participants {
		if m.Phone == p.E164() {
			return m.Role
		}
	}
	return ""
}

// baileysFailed answers a write Baileys threw on, as Evolution's updateGParticipant does.
func baileysFailed(err error) sim.Reply {
	reason := "Error: " + err.Error()
	switch {
	case errors.Is(err, sim.ErrNotAdmin):
		reason = "Error: forbidden"
	case errors.Is(err, sim.ErrGroupNotFound):
		reason = "Error: item-not-found"
	}
	return fail(http.StatusBadRequest, "Error updating participants", reason)
}

// result is Baileys' answer for one participant: status "200" or WhatsApp's error code, and
// the participant node, which for a privacy refusal carries the add_request of an invite.
func result(jid string, code int) memberResult {
	attrs := map[string]string{"jid": jid}
	if code != http.StatusOK {
		attrs["error"] = strconv.Itoa(code)
	}
	n := node{Tag: "participant", Attrs: attrs}
	if code == sim.AddPrivacy {
		n.Content = []node{{Tag: "add_request", Attrs: map[string]string{"code": "sim-invite", "expiration": "1767225600"}}}
	}
	return memberResult{Status: strconv.Itoa(code), JID: jid, Content: n}
}
