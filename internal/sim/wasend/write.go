// write.go serves Wasend's participant writes. Every write takes {participants[], notify?}
// where a participant is "+E164" or a full JID (…@s.whatsapp.net, …@c.us, …@lid), and answers
// in the website docs' shapes:
//
//	add     {success, data:{added:[{id, reason:"SUCCESS"}], failed:[{id, reason}]}}
//	remove  {success, removed:[{id}], message}
//	promote {success, promoted:[{id, isAdmin, isSuperAdmin}], message}
//	demote  {success, data:{demoted:[{id, reason}], failed:[{id, reason:"NOT_ADMIN"|"NOT_FOUND"}]}}
//
// Each id is echoed as it was sent. The SDK's remove, promote and demote routes do the same
// work but answer a bare {"success": true}: the SDK declares them void. Wasend runs on
// WAHA's engines (providers.md §3 [inferred]), so in a LID-addressed group a remove, promote
// or demote that names a member by phone number is accepted and changes nothing, as those
// engines do (providers.md §12, sim.Exchange.ChangeTargets); naming the member's @lid works.
//
// Choices where the documents are silent: add reasons beyond the documented SUCCESS,
// ALREADY_IN_GROUP and NOT_FOUND are PRIVACY_RESTRICTED (WhatsApp 403: only an invite will
// do), RECENTLY_LEFT (408) and GROUP_FULL (419); demoting the group's owner fails with
// NOT_ALLOWED; a promote where no participant can be promoted (all already admins or not in
// the group) answers 422, as the promote page says, while a promote where some can succeeds
// for those and names the rest in its message; a well-formed id that names no WhatsApp user
// (such as 0987654321@s.whatsapp.net) is not in the group, or NOT_FOUND for an add. There is
// no batch cap: none is documented. A body that is not JSON, has no participants or holds an
// id of another form answers 400, a caller who is not an admin of the group 403.

package wasend

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

// member is one participant named in a write.
type member struct {
	sent  string       // as the request wrote it, echoed in the answer
	phone roster.Phone // "" when the id names no WhatsApp user
	byLID bool         // the request named the member by an @lid JID
}

// write is a validated write request.
type write struct {
	scope
	members []member
}

// parseWrite validates a write; a non-nil Reply is the refusal.
func parseWrite(x *sim.Exchange) (write, *sim.Reply) {
	s, refused := groupScope(x)
	if refused != nil {
		return write{}, refused
	}
	if mt, _, err := mime.ParseMediaType(x.Request.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return write{}, fail(http.StatusBadRequest, "Content-Type must be application/json")
	}
	var req struct {
		Participants []string `json:"participants"`
		Notify       *bool    `json:"notify"`
	}
	if err := json.Unmarshal(x.Body, &req); err != nil {
		return write{}, fail(http.StatusBadRequest, "invalid JSON body: "+err.Error())
	}
	if len(req.Participants) == 0 {
		return write{}, fail(http.StatusBadRequest, "participants is required: a non-empty array of phone numbers or JIDs")
	}
	w := write{scope: s}
	for i, id := range req.Participants {
		p, err := resolve(x, id)
		if err != nil {
			return write{}, fail(http.StatusBadRequest, fmt.Sprintf("participants[%d]: %v", i, err))
		}
		w.members = append(w.members, member{sent: id, phone: p, byLID: strings.HasSuffix(id, "@lid")})
	}
	return w, nil
}

var errIDFormat = errors.New(`invalid ID format: want a phone number such as "+447700900001" or a JID such as "447700900001@s.whatsapp.net"`)

// resolve reads one participant id. A well-formed id that names no WhatsApp user resolves to "".
func resolve(x *sim.Exchange, id string) (roster.Phone, error) {
	user, server, isJID := strings.Cut(id, "@")
	switch {
	case isJID && server == "lid" && digits(user):
		p, _ := x.PhoneOfLID(id)
		return p, nil
	case isJID && (server == "c.us" || server == "s.whatsapp.net") && digits(user):
	case !isJID && strings.HasPrefix(id, "+") && digits(id[1:]):
	default:
		return "", errIDFormat
	}
	p, err := roster.Normalize(id)
	if err != nil {
		return "", nil
	}
	return p, nil
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// pick returns the members keep selects among those that name a WhatsApp user, as the
// world's targets, with their indexes in w.members.
func (w write) pick(keep func(member) bool) ([]sim.Target, []int) {
	var ts []sim.Target
	var at []int
	for i, m := range w.members {
		if m.phone != "" && keep(m) {
			ts = append(ts, sim.Target{Phone: m.phone, ByLID: m.byLID})
			at = append(at, i)
		}
	}
	return ts, at
}

// change applies a remove, promote or demote to the members keep selects and reports, for
// every member of the write, whether WhatsApp accepted it. It asks the world even with no
// target, so that a caller who is not an admin hears 403 first.
func (w write) change(x *sim.Exchange, op string, keep func(member) bool) ([]bool, error) {
	ts, at := w.pick(keep)
	accepted, err := x.ChangeTargets(op, w.group.JID, w.self, ts)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(w.members))
	for j, i := range at {
		out[i] = accepted[j]
	}
	return out, nil
}

// refusal maps the world's refusal of a whole write onto Wasend's statuses.
func refusal(err error) sim.Reply {
	switch {
	case errors.Is(err, sim.ErrNotAdmin):
		return *fail(http.StatusForbidden, "the session's number is not an admin of the group")
	case errors.Is(err, sim.ErrGroupNotFound):
		return *fail(http.StatusNotFound, "group not found")
	}
	return *fail(http.StatusInternalServerError, err.Error())
}

func ok(body any) sim.Reply { return sim.Reply{Status: http.StatusOK, Body: body} }

// result is one member of an add or demote answer.
type result struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

var addReasons = map[int]string{
	sim.AddOK:            "SUCCESS",
	sim.AddAlreadyMember: "ALREADY_IN_GROUP",
	sim.AddNotOnWhatsApp: "NOT_FOUND",
	sim.AddPrivacy:       "PRIVACY_RESTRICTED",
	sim.AddRecentlyLeft:  "RECENTLY_LEFT",
	sim.AddGroupFull:     "GROUP_FULL",
}

func add(x *sim.Exchange) sim.Reply {
	w, refused := parseWrite(x)
	if refused != nil {
		return *refused
	}
	ts, at := w.pick(func(member) bool { return true })
	phones := make([]roster.Phone, len(ts))
	for i, t := range ts {
		phones[i] = t.Phone
	}
	codes, err := x.Add(w.group.JID, w.self, phones)
	if err != nil {
		return refusal(err)
	}
	code := make([]int, len(w.members))
	for i := range code {
		code[i] = sim.AddNotOnWhatsApp
	}
	for j, i := range at {
		code[i] = codes[j]
	}
	added, failed := []result{}, []result{}
	for i, m := range w.members {
		r := result{ID: m.sent, Reason: addReasons[code[i]]}
		if code[i] == sim.AddOK {
			added = append(added, r)
		} else {
			failed = append(failed, r)
		}
	}
	return ok(struct {
		Success bool `json:"success"`
		Data    any  `json:"data"`
	}{true, struct {
		Added  []result `json:"added"`
		Failed []result `json:"failed"`
	}{added, failed}})
}

type ref struct {
	ID string `json:"id"`
}

func remove(x *sim.Exchange) sim.Reply {
	w, refused := parseWrite(x)
	if refused != nil {
		return *refused
	}
	accepted, err := w.change(x, sim.OpRemove, func(member) bool { return true })
	if err != nil {
		return refusal(err)
	}
	removed := []ref{}
	var kept []string
	for i, done := range accepted {
		if done {
			removed = append(removed, ref{w.members[i].sent})
		} else {
			kept = append(kept, w.members[i].sent)
		}
	}
	return ok(struct {
		Success bool   `json:"success"`
		Removed []ref  `json:"removed"`
		Message string `json:"message"`
	}{true, removed, summary("Removed", len(removed), kept, "not in the group, or the group's owner")})
}

// summary is the message of a remove or promote answer.
func summary(verb string, n int, rest []string, why string) string {
	if len(rest) == 0 {
		return fmt.Sprintf("Selected participants were successfully %s.", strings.ToLower(verb))
	}
	return fmt.Sprintf("%s %d of %d participants; not %s (%s): %s.",
		verb, n, n+len(rest), strings.ToLower(verb), why, strings.Join(rest, ", "))
}

type promoted struct {
	ID           string `json:"id"`
	IsAdmin      bool   `json:"isAdmin"`
	IsSuperAdmin bool   `json:"isSuperAdmin"`
}

func promote(x *sim.Exchange) sim.Reply {
	w, refused := parseWrite(x)
	if refused != nil {
		return *refused
	}
	accepted, err := w.change(x, sim.OpPromote, func(m member) bool { return roleOf(w.group, m.phone) == roster.RoleMember })
	if err != nil {
		return refusal(err)
	}
	out := []promoted{}
	var rest []string
	for i, done := range accepted {
		if done {
			out = append(out, promoted{ID: w.members[i].sent, IsAdmin: true})
		} else {
			rest = append(rest, w.members[i].sent)
		}
	}
	if len(out) == 0 {
		return *fail(http.StatusUnprocessableEntity, "participants are already admins or not in the group: "+strings.Join(rest, ", "))
	}
	return ok(struct {
		Success  bool       `json:"success"`
		Promoted []promoted `json:"promoted"`
		Message  string     `json:"message"`
	}{true, out, summary("Promoted", len(out), rest, "already admins or not in the group")})
}

// demoteReasons say why a participant in a given role cannot be demoted.
var demoteReasons = map[roster.Role]string{
	"":                    "NOT_FOUND",
	roster.RoleMember:     "NOT_ADMIN",
	roster.RoleSuperAdmin: "NOT_ALLOWED",
}

func demote(x *sim.Exchange) sim.Reply {
	w, refused := parseWrite(x)
	if refused != nil {
		return *refused
	}
	accepted, err := w.change(x, sim.OpDemote, func(m member) bool { return roleOf(w.group, m.phone) == roster.RoleAdmin })
	if err != nil {
		return refusal(err)
	}
	demoted, failed := []result{}, []result{}
	for i, done := range accepted {
		m := w.members[i]
		if done {
			demoted = append(demoted, result{ID: m.sent, Reason: "SUCCESS"})
			continue
		}
		reason := demoteReasons[roleOf(w.group, m.phone)]
		if reason == "" { // an admin the world refused: only under read lag
			reason = demoteReasons[roster.RoleSuperAdmin]
		}
		failed = append(failed, result{ID: m.sent, Reason: reason})
	}
	return ok(struct {
		Success bool `json:"success"`
		Data    any  `json:"data"`
	}{true, struct {
		Demoted []result `json:"demoted"`
		Failed  []result `json:"failed"`
	}{demoted, failed}})
}

// void serves an SDK route like its website counterpart but answers a success with a bare
// {"success": true}: the SDK declares these calls void, so nothing documents what the server
// says per member.
func void(serve func(*sim.Exchange) sim.Reply) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		r := serve(x)
		if r.Status/100 == 2 {
			r.Body = struct {
				Success bool `json:"success"`
			}{true}
		}
		return r
	}
}
