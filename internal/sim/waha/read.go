// read.go serves WAHA's reads: the session (its status and the logged-in account), a group's
// participants in the engine-independent v2 shape, and the session's LID → phone store.

package waha

import (
	"net/http"
	"strings"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

type sessionEngine struct {
	Engine string `json:"engine"`
}

type sessionInfoBody struct {
	Name   string         `json:"name"`
	Status string         `json:"status"`
	Config map[string]any `json:"config"`
	Me     *MeInfo        `json:"me"`
	Engine sessionEngine  `json:"engine"`
}

// sessionInfo answers GET /api/sessions/{session}: WORKING with "me" for the account's session,
// SCAN_QR_CODE without it for an account with no number, 404 for any other name.
func sessionInfo(x *sim.Exchange) sim.Reply {
	name := x.Request.PathValue("session")
	if !SessionIs(x, name) {
		return fail(http.StatusNotFound, "Session not found")
	}
	info := sessionInfoBody{Name: name, Status: "WORKING", Config: map[string]any{}, Me: Me(x), Engine: sessionEngine{Engine}}
	if info.Me == nil {
		info.Status = "SCAN_QR_CODE"
	}
	return sim.Reply{Status: http.StatusOK, Body: info}
}

// participantV2 is one entry of GET …/participants/v2.
type participantV2 struct {
	ID   string `json:"id"`
	PN   string `json:"pn,omitempty"`
	Role string `json:"role"`
}

// v2Roles are WAHA's names for the world's roles ("left" never shows: the world forgets
// whoever leaves).
var v2Roles = map[string]string{
	string(roster.RoleMember): "participant", string(roster.RoleAdmin): "admin", string(roster.RoleSuperAdmin): "superadmin",
}

// participants answers GET /api/{session}/groups/{id}/participants/v2. In a LID-addressed
// group a participant's id is their LID and pn carries the number.
func participants(x *sim.Exchange) sim.Reply {
	if name := x.Request.PathValue("session"); !SessionIs(x, name) {
		return sessionNotFound(name)
	}
	g, err := FindGroup(x, x.Request.PathValue("id"))
	if err != nil {
		return refused(x, err)
	}
	out := make([]participantV2, 0, len(g.Participants))
	for _, m := range g.Participants {
		pn := strings.TrimPrefix(m.Phone, "+") + "@c.us"
		p := participantV2{ID: pn, Role: v2Roles[m.Role]}
		if g.Addressing == "lid" && m.LID != "" {
			p.ID, p.PN = m.LID, pn
		}
		out = append(out, p)
	}
	return sim.Reply{Status: http.StatusOK, Body: out}
}

type lidBody struct {
	LID string  `json:"lid"`
	PN  *string `json:"pn"`
}

// lidLookup answers GET /api/{session}/lids/{lid}: the number behind a LID, pn null when the
// session's store does not know it. The LID may be given with or without "@lid".
func lidLookup(x *sim.Exchange) sim.Reply {
	if name := x.Request.PathValue("session"); !SessionIs(x, name) {
		return sessionNotFound(name)
	}
	lid := x.Request.PathValue("lid")
	if !strings.Contains(lid, "@") {
		lid += "@lid"
	}
	if !strings.HasSuffix(lid, "@lid") {
		return fail(http.StatusBadRequest, "lid must look like 123456789@lid")
	}
	out := lidBody{LID: lid}
	if p, ok := x.PhoneOfLID(lid); ok {
		pn := p.JID("c.us")
		out.PN = &pn
	}
	return sim.Reply{Status: http.StatusOK, Body: out}
}
