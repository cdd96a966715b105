// endpoints.go serves Wawp's calls over WAHA's shared core.
//
// Statuses: 400 when instance_id is missing ("Missing Required Parameter(s)") or the body is
// bad; 404 for an instance_id the token does not own [inferred] and for an unknown group, or
// one the instance is not in [inferred]; 403 Forbidden for a write by an instance that is not a
// group admin (the add page: "the operation will fail with a 403 Forbidden error"); 400 for
// promoting someone who is not a member (seed 003: "Attempting to do so will result in an API
// error") and for demoting the group's creator (the demote page: the instance "cannot demote
// the original Creator"), both refusing the whole call [inferred status]; 422 from
// /v2/session/me for an instance that is not logged in [inferred].

package wawp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
	"github.com/wagov/wagov/internal/sim/waha"
)

// instance checks the instance_id query parameter; a non-nil Reply is the refusal.
func instance(x *sim.Exchange) *sim.Reply {
	id := x.Request.URL.Query().Get("instance_id")
	var r sim.Reply
	switch {
	case id == "":
		r = fail(http.StatusBadRequest, "Missing Required Parameter(s): instance_id")
	case !waha.SessionIs(x, id):
		r = fail(http.StatusNotFound, fmt.Sprintf("instance %s not found", id))
	default:
		return nil
	}
	return &r
}

// me answers GET /v2/session/me with the account connected to the instance.
func me(x *sim.Exchange) sim.Reply {
	if r := instance(x); r != nil {
		return *r
	}
	m := waha.Me(x)
	if m == nil {
		return fail(http.StatusUnprocessableEntity, "the instance is not connected to WhatsApp (status SCAN_QR_CODE)")
	}
	return sim.Reply{Status: http.StatusOK, Body: m}
}

// refused answers a failure of the core. A read of a group the instance is not in is
// answered like an unknown group; a write by an instance that is no admin there is 403.
func refused(err error, write bool) sim.Reply {
	var r *waha.Refusal
	switch {
	case errors.As(err, &r):
		return fail(r.Status, r.Message)
	case errors.Is(err, waha.ErrBadGroupID):
		return fail(http.StatusBadRequest, "id: "+err.Error())
	case errors.Is(err, sim.ErrGroupNotFound), errors.Is(err, waha.ErrNotInGroup) && !write:
		return fail(http.StatusNotFound, "group not found")
	case errors.Is(err, waha.ErrNotInGroup), errors.Is(err, sim.ErrNotAdmin):
		return fail(http.StatusForbidden, "Forbidden: the instance is not an admin of this group")
	}
	return fail(http.StatusInternalServerError, err.Error())
}

// wid is WEBJS's id of a user or group.
type wid struct {
	Server     string `json:"server"`
	User       string `json:"user"`
	Serialized string `json:"_serialized"`
}

func widOf(id string) wid {
	user, server, _ := strings.Cut(id, "@")
	return wid{Server: server, User: user, Serialized: id}
}

// participant is WEBJS's GroupParticipant. A LID-addressed group shows the LID and no number.
type participant struct {
	ID           wid  `json:"id"`
	IsAdmin      bool `json:"isAdmin"`
	IsSuperAdmin bool `json:"isSuperAdmin"`
}

// participants answers GET /v2/groups/{id}/participants.
func participants(x *sim.Exchange) sim.Reply {
	if r := instance(x); r != nil {
		return *r
	}
	g, err := waha.FindGroup(x, x.Request.PathValue("id"))
	if err != nil {
		return refused(err, false)
	}
	out := make([]participant, 0, len(g.Participants))
	for _, m := range g.Participants {
		id := strings.TrimPrefix(m.Phone, "+") + "@c.us"
		if g.Addressing == "lid" && m.LID != "" {
			id = m.LID
		}
		role := roster.Role(m.Role)
		out = append(out, participant{ID: widOf(id), IsAdmin: role.IsAdmin(), IsSuperAdmin: role == roster.RoleSuperAdmin})
	}
	return sim.Reply{Status: http.StatusOK, Body: out}
}

// write is one parsed write: the group, the ids as the body sent them and whom they name.
type write struct {
	group   sim.GroupState
	ids     []string
	targets []sim.Target
}

// parseWrite checks the instance, the body and the group of a write.
func parseWrite(x *sim.Exchange) (write, *sim.Reply) {
	if r := instance(x); r != nil {
		return write{}, r
	}
	ids, targets, err := waha.ParseParticipants(x)
	if err == nil {
		var g sim.GroupState
		if g, err = waha.FindGroup(x, x.Request.PathValue("id")); err == nil {
			return write{g, ids, targets}, nil
		}
	}
	r := refused(err, true)
	return write{}, &r
}

// addResult is WEBJS's per-participant answer to an add.
type addResult struct {
	Code           int    `json:"code"`
	Message        string `json:"message"`
	IsInviteV4Sent bool   `json:"isInviteV4Sent"`
}

var addMessages = map[int]string{
	sim.AddOK:            "The participant was added successfully",
	sim.AddPrivacy:       "The participant can be added by sending a private invitation only",
	sim.AddNotOnWhatsApp: "The phone number is not registered on WhatsApp",
	sim.AddRecentlyLeft:  "The participant cannot be added because they left the group recently",
	sim.AddAlreadyMember: "The participant is already a group member",
	sim.AddGroupFull:     "The participant cannot be added because the group is full",
}

// add answers POST /v2/groups/{id}/participants/add with WEBJS's result keyed by participant id;
// WEBJS sends the invite itself when privacy refuses the add.
func add(x *sim.Exchange) sim.Reply {
	w, refusal := parseWrite(x)
	if refusal != nil {
		return *refusal
	}
	codes, err := waha.Apply(x, sim.OpAdd, w.group, w.targets)
	if err != nil {
		return refused(err, true)
	}
	out := make(map[string]addResult, len(codes))
	for i, code := range codes {
		out[w.ids[i]] = addResult{Code: code, Message: addMessages[code], IsInviteV4Sent: code == sim.AddPrivacy}
	}
	return sim.Reply{Status: http.StatusOK, Body: out}
}

// change answers remove, promote and demote with {"ok": true}: like WEBJS it silently skips
// participants it cannot change (in a LID-addressed group, whoever the body names by phone),
// except for Wawp's two documented refusals.
func change(op string) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		w, refusal := parseWrite(x)
		if refusal != nil {
			return *refusal
		}
		if self, _ := waha.Self(x); !waha.RoleOf(w.group, self).IsAdmin() {
			return refused(sim.ErrNotAdmin, true)
		}
		for i, t := range w.targets {
			switch role := waha.RoleOf(w.group, t.Phone); {
			case op == sim.OpPromote && role == "":
				return fail(http.StatusBadRequest, fmt.Sprintf("cannot promote %s: not a member of the group", w.ids[i]))
			case op == sim.OpDemote && role == roster.RoleSuperAdmin:
				return fail(http.StatusBadRequest, fmt.Sprintf("cannot demote %s: the original creator of the group", w.ids[i]))
			}
		}
		if _, err := waha.Apply(x, op, w.group, w.targets); err != nil {
			return refused(err, true)
		}
		return sim.Reply{Status: http.StatusOK, Body: struct {
			OK bool `json:"ok"`
		}{true}}
	}
}

// lidMapping is one entry of the instance's LID store.
type lidMapping struct {
	LID string `json:"lid"`
	PN  string `json:"pn"`
}

// lids answers GET /v2/lids?limit&offset (Wawp's "Get LIDs Mapping") with the store's known
// mappings, ordered by LID: the simulated store knows everyone with a LID in the instance's
// groups. limit defaults to 100 [inferred].
func lids(x *sim.Exchange) sim.Reply {
	if r := instance(x); r != nil {
		return *r
	}
	limit, offset, ok := page(x.Request.URL.Query())
	if !ok {
		return fail(http.StatusBadRequest, "Bad Request - Invalid Parameter Format: limit and offset must be non-negative integers")
	}
	known := map[string]string{}
	for _, g := range x.ReadGroups() {
		if self, _ := waha.Self(x); waha.RoleOf(g, self) == "" {
			continue
		}
		for _, m := range g.Participants {
			if m.LID != "" {
				known[m.LID] = strings.TrimPrefix(m.Phone, "+") + "@c.us"
			}
		}
	}
	all := make([]lidMapping, 0, len(known))
	for lid, pn := range known {
		all = append(all, lidMapping{lid, pn})
	}
	slices.SortFunc(all, func(a, b lidMapping) int { return strings.Compare(a.LID, b.LID) })
	out := all[min(offset, len(all)):min(offset+limit, len(all))]
	return sim.Reply{Status: http.StatusOK, Body: out}
}

func page(q url.Values) (limit, offset int, ok bool) {
	limit, offset = 100, 0
	for name, v := range map[string]*int{"limit": &limit, "offset": &offset} {
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return 0, 0, false
			}
			*v = n
		}
	}
	return limit, offset, true
}
