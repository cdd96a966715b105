// core.go owns what every WAHA-based dialect shares, whatever its front door: the
// ParticipantsRequest body {participants:[{id}]} and the user ids it accepts, the session
// check, finding the group the session may see, the session's own account (MeInfo), and
// applying a write to the world with a WhatsApp code per participant. In a LID-addressed
// group a remove, promote or demote that names a member by phone is answered as done and
// changes nothing, as WEBJS does there (devlikeapro/waha#1264, wwebjs#3602); naming the
// member's @lid works. The WAHA dialect (this package) and the Wawp dialect
// (internal/sim/wawp) render these in their own shapes.

package waha

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

// DefaultSession is WAHA's session name when an account names none.
const DefaultSession = "default"

// Errors of FindGroup, beside sim.ErrGroupNotFound.
var (
	// ErrBadGroupID: the id is not a group JID ("<digits>@g.us").
	ErrBadGroupID = errors.New("not a group id ending in @g.us")
	// ErrNotInGroup: the session's number is not a participant of the group.
	ErrNotInGroup = errors.New("the session's number is not a participant of the group")
)

// Refusal is a request refused before it reaches the world, with the status WAHA's validation
// answers it with.
type Refusal struct {
	Status  int
	Message string
}

func (r *Refusal) Error() string { return r.Message }

// SessionIs reports whether name is the account's session (DefaultSession when it names none).
func SessionIs(x *sim.Exchange, name string) bool {
	want := x.Session()
	if want == "" {
		want = DefaultSession
	}
	return name == want
}

// Self returns the session's own number: the account's first number.
func Self(x *sim.Exchange) (roster.Phone, bool) {
	if ns := x.Numbers(); len(ns) > 0 {
		return ns[0], true
	}
	return "", false
}

// MeInfo is WAHA's account of the logged-in user, as GET /api/sessions/{session} carries it in
// "me" and Wawp's GET /v2/session/me answers it.
type MeInfo struct {
	ID       string `json:"id"`
	PushName string `json:"pushName"`
}

// Me returns the session's MeInfo, nil when the account has no number (not logged in).
func Me(x *sim.Exchange) *MeInfo {
	self, ok := Self(x)
	if !ok {
		return nil
	}
	return &MeInfo{ID: self.JID("c.us"), PushName: x.Account.Name}
}

// FindGroup returns the group with JID id as a read sees it, when the session's number is in it.
func FindGroup(x *sim.Exchange, id string) (sim.GroupState, error) {
	if !strings.HasSuffix(id, "@g.us") {
		return sim.GroupState{}, fmt.Errorf("%q: %w", id, ErrBadGroupID)
	}
	g, ok := x.ReadGroup(id)
	if !ok || g.JID != id {
		return sim.GroupState{}, sim.ErrGroupNotFound
	}
	self, _ := Self(x)
	if RoleOf(g, self) == "" {
		return g, ErrNotInGroup
	}
	return g, nil
}

// RoleOf returns p's role in g, or "" when p is not a participant. Either form of a rewritten
// mobile (Brazil's ninth digit, Mexico's 521, Argentina's 549) names the one participant, as
// WhatsApp files them under one user.
func RoleOf(g sim.GroupState, p roster.Phone) roster.Role {
	for _, m := range g.Participants {
		if q, err := roster.Normalize(m.Phone); err == nil && sim.SameUser(q, p) {
			return roster.Role(m.Role)
		}
	}
	return ""
}

// participantsRequest is WAHA's ParticipantsRequest.
type participantsRequest struct {
	Participants []struct {
		ID string `json:"id"`
	} `json:"participants"`
}

// ParseParticipants validates a ParticipantsRequest and resolves each id to the member it names.
// WAHA takes user ids: "<digits>@c.us" (the documented form), "<digits>@s.whatsapp.net", or an
// "@lid" the session knows (a target ByLID); a +E164, bare digits or any other form is refused
// as bad request. It returns the ids as sent beside the targets.
func ParseParticipants(x *sim.Exchange) ([]string, []sim.Target, error) {
	var req participantsRequest
	if err := json.Unmarshal(x.Body, &req); err != nil {
		return nil, nil, &Refusal{http.StatusBadRequest, "invalid JSON body: " + err.Error()}
	}
	if len(req.Participants) == 0 {
		return nil, nil, &Refusal{http.StatusBadRequest, "participants must contain at least 1 element"}
	}
	ids := make([]string, len(req.Participants))
	targets := make([]sim.Target, len(req.Participants))
	for i, p := range req.Participants {
		phone, err := userID(x, p.ID)
		if err != nil {
			return nil, nil, &Refusal{http.StatusBadRequest, fmt.Sprintf("participants.%d.id: %v", i, err)}
		}
		ids[i], targets[i] = p.ID, sim.Target{Phone: phone, ByLID: strings.HasSuffix(p.ID, "@lid")}
	}
	return ids, targets, nil
}

func userID(x *sim.Exchange, id string) (roster.Phone, error) {
	user, server, _ := strings.Cut(id, "@")
	switch server {
	case "c.us", "s.whatsapp.net":
		if p, err := roster.Normalize(id); err == nil && !strings.Contains(user, ":") {
			return p, nil
		}
	case "lid":
		if p, ok := x.PhoneOfLID(id); ok {
			return p, nil
		}
		return "", fmt.Errorf("%q is a lid this session does not know", id)
	}
	return "", fmt.Errorf("%q is not a WhatsApp user id such as 123456789@c.us", id)
}

// Per-participant codes of remove, promote and demote that WhatsApp's answer carries.
// WhatsApp documents none of these; the simulator's choice is 200 accepted, 404 for a number
// that is not a participant, 403 for removing or demoting the group's creator.
const (
	CodeAccepted       = 200
	CodeNotParticipant = 404
	CodeCreator        = 403
)

// Apply sends a write of op (sim.OpAdd, OpRemove, OpPromote or OpDemote) on group g to the
// world on behalf of the session's number and returns one WhatsApp code per target: the add
// codes of providers.md §1.4, or the Code* constants. It fails with sim.ErrGroupNotFound or
// sim.ErrNotAdmin for the whole call.
func Apply(x *sim.Exchange, op string, g sim.GroupState, targets []sim.Target) ([]int, error) {
	self, _ := Self(x)
	if op == sim.OpAdd {
		phones := make([]roster.Phone, len(targets))
		for i, t := range targets {
			phones[i] = t.Phone
		}
		return x.Add(g.JID, self, phones)
	}
	accepted, err := x.ChangeTargets(op, g.JID, self, targets)
	if err != nil {
		return nil, err
	}
	codes := make([]int, len(targets))
	for i, ok := range accepted {
		switch {
		case ok:
			codes[i] = CodeAccepted
		case RoleOf(g, targets[i].Phone) == "":
			codes[i] = CodeNotParticipant
		default:
			codes[i] = CodeCreator
		}
	}
	return codes, nil
}
