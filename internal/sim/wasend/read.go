// read.go serves Wasend's reads: the session, the session's groups, one group's info (website)
// or the group itself (SDK), and its participants, each in the shape its document gives. It
// also owns the checks every call starts with: the session in the path and the group it names.
//
// Choices where the documents are silent: a session id other than the account's answers 404
// (the docs: "Not Found - Session, group, …"); a session without a WhatsApp number answers 422
// on the group routes (WAHA's "session not WORKING", on which Wasend runs [inferred]) and reads
// with an empty phoneNumber and the status SCAN_QR_CODE, a paired one with WORKING (WAHA's
// statuses; Wasend's page types status as a string); a groupId that is not a group JID answers
// 400 ("invalid ID format"); a group the session's number is not in answers 404, so that a key
// cannot learn of groups it is not in.

package wasend

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

// ownSession refuses a path whose session id is not the account's.
func ownSession(x *sim.Exchange) *sim.Reply {
	if x.Session() == "" || x.Request.PathValue("session") != x.Session() {
		return fail(http.StatusNotFound, "session not found")
	}
	return nil
}

// session checks the path's session id and returns the session's own number.
func session(x *sim.Exchange) (roster.Phone, *sim.Reply) {
	if refused := ownSession(x); refused != nil {
		return "", refused
	}
	numbers := x.Numbers()
	if len(numbers) == 0 {
		return "", fail(http.StatusUnprocessableEntity, "session is not WORKING: no WhatsApp number is paired with it")
	}
	return numbers[0], nil
}

// scope is what a call on one group acts on.
type scope struct {
	self  roster.Phone   // the session's own number
	group sim.GroupState // the group as the session reads it
}

// groupScope checks the session and finds the group the path names.
func groupScope(x *sim.Exchange) (scope, *sim.Reply) {
	self, refused := session(x)
	if refused != nil {
		return scope{}, refused
	}
	id := x.Request.PathValue("group")
	if !strings.HasSuffix(id, "@g.us") {
		return scope{}, fail(http.StatusBadRequest, "invalid groupId: want the group's JID, such as 120363012345678901@g.us")
	}
	g, ok := x.ReadGroup(id)
	if !ok || roleOf(g, self) == "" {
		return scope{}, fail(http.StatusNotFound, "group not found")
	}
	return scope{self: self, group: g}, nil
}

// roleOf returns p's role in g, or "" when p is not a participant. WhatsApp files the two forms
// of a rewritten number (Brazil's ninth digit, Mexico's 521, Argentina's 549) as one user, so
// either form finds the member; sim.SameUser is that equivalence.
func roleOf(g sim.GroupState, p roster.Phone) roster.Role {
	for _, m := range g.Participants {
		if q, err := roster.Normalize(m.Phone); err == nil && sim.SameUser(q, p) {
			return roster.Role(m.Role)
		}
	}
	return ""
}

// sessionDetails is the get-info page's answer, which the SDK's Session extends.
type sessionDetails struct {
	UniqueSessionID string        `json:"uniqueSessionId"`
	SessionName     string        `json:"sessionName"`
	PhoneNumber     string        `json:"phoneNumber"`
	Status          string        `json:"status"`
	CreatedAt       string        `json:"createdAt"`
	UpdatedAt       string        `json:"updatedAt"`
	Config          sessionConfig `json:"config"`
}

type sessionConfig struct {
	EnableAccountProtection bool   `json:"enableAccountProtection"`
	EnableMessageLogging    bool   `json:"enableMessageLogging"`
	EnableWebhook           bool   `json:"enableWebhook"`
	WebhookURL              string `json:"webhookUrl"`
}

// sessionInfo serves GET /sessions/{sessionId}: {uniqueSessionId, sessionName, phoneNumber:
// "+E164", status, createdAt, updatedAt, config}.
func sessionInfo(x *sim.Exchange) sim.Reply {
	if refused := ownSession(x); refused != nil {
		return *refused
	}
	now := x.Now().UTC().Format(time.RFC3339)
	s := sessionDetails{UniqueSessionID: x.Session(), SessionName: x.Account.Name, Status: "SCAN_QR_CODE", CreatedAt: now, UpdatedAt: now}
	if numbers := x.Numbers(); len(numbers) > 0 {
		s.PhoneNumber, s.Status = numbers[0].E164(), "WORKING"
	}
	return sim.Reply{Status: http.StatusOK, Body: s}
}

// participant is the docs' participant: website {jid:"…@c.us", phoneNumber:"+…", isAdmin,
// isSuperAdmin, joinedAt, displayName}, SDK GroupParticipant with an optional lid. In a
// LID-addressed group the jid is the LID and the number is the phoneNumber attribute.
type participant struct {
	JID          string  `json:"jid"`
	PhoneNumber  string  `json:"phoneNumber"`
	LID          string  `json:"lid,omitempty"`
	IsAdmin      bool    `json:"isAdmin"`
	IsSuperAdmin bool    `json:"isSuperAdmin"`
	JoinedAt     *string `json:"joinedAt"`
	DisplayName  string  `json:"displayName"`
}

func render(g sim.GroupState) []participant {
	out := make([]participant, 0, len(g.Participants))
	for _, m := range g.Participants {
		role := roster.Role(m.Role)
		p := participant{
			JID: strings.TrimPrefix(m.Phone, "+") + "@c.us", PhoneNumber: m.Phone, LID: m.LID,
			IsAdmin: role.IsAdmin(), IsSuperAdmin: role == roster.RoleSuperAdmin,
		}
		if g.Addressing == "lid" && m.LID != "" {
			p.JID = m.LID
		}
		out = append(out, p)
	}
	return out
}

// owner returns the group's creator, "" when it has none.
func owner(g sim.GroupState) (jid, phone string) {
	for _, m := range g.Participants {
		if m.Role == string(roster.RoleSuperAdmin) {
			return strings.TrimPrefix(m.Phone, "+") + "@c.us", m.Phone
		}
	}
	return "", ""
}

// group is a group as the list endpoints give it (website: {jid, name, ownerJid, ownerPn,
// participants, …}; SDK: Group, whatsmeow's GroupInfo).
type group struct {
	JID            string        `json:"jid"`
	Name           string        `json:"name"`
	OwnerJID       string        `json:"ownerJid"`
	OwnerPn        string        `json:"ownerPn"`
	AddressingMode string        `json:"addressingMode"`
	Participants   []participant `json:"participants"`
}

func groupOf(g sim.GroupState) group {
	jid, pn := owner(g)
	return group{JID: g.JID, Name: g.Name, OwnerJID: jid, OwnerPn: pn, AddressingMode: g.Addressing, Participants: render(g)}
}

type pagination struct {
	Total   int  `json:"total"`
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
	HasMore bool `json:"hasMore"`
}

// websiteList is {groups, pagination}; sdkList is the SDK's Group[].
func websiteList(page []group, p pagination) any {
	return struct {
		Groups     []group    `json:"groups"`
		Pagination pagination `json:"pagination"`
	}{page, p}
}

func sdkList(page []group, _ pagination) any { return page }

// listGroups serves GET /{sessionId}/groups?limit&offset with the groups the session is in.
func listGroups(shape func([]group, pagination) any) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		if x.Request.PathValue("collection") != "groups" {
			return *fail(http.StatusNotFound, "no such endpoint")
		}
		self, refused := session(x)
		if refused != nil {
			return *refused
		}
		var all []group
		for _, g := range x.ReadGroups() {
			if roleOf(g, self) != "" {
				all = append(all, groupOf(g))
			}
		}
		p, refused := paginate(x, len(all))
		if refused != nil {
			return *refused
		}
		end := min(p.Offset+p.Limit, len(all))
		page := append([]group{}, all[min(p.Offset, end):end]...)
		p.HasMore = end < len(all)
		return sim.Reply{Status: http.StatusOK, Body: shape(page, p)}
	}
}

// paginate reads limit (default: all) and offset (default 0); a bad value answers 400.
func paginate(x *sim.Exchange, total int) (pagination, *sim.Reply) {
	p := pagination{Total: total, Limit: total}
	q := x.Request.URL.Query()
	for name, dst := range map[string]*int{"limit": &p.Limit, "offset": &p.Offset} {
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return p, fail(http.StatusBadRequest, "invalid "+name+": want a number of 0 or more")
			}
			*dst = n
		}
	}
	return p, nil
}

type ownerRef struct {
	JID         string `json:"jid"`
	PhoneNumber string `json:"phoneNumber"`
}

type info struct {
	ID           string         `json:"id"`
	Subject      string         `json:"subject"`
	Owner        ownerRef       `json:"owner"`
	Participants []participant  `json:"participants"`
	Settings     map[string]any `json:"settings"`
}

// groupInfo serves the website's GET …/info: {success, info:{id, subject, owner{jid,
// phoneNumber}, participants, settings}}.
func groupInfo(x *sim.Exchange) sim.Reply {
	s, refused := groupScope(x)
	if refused != nil {
		return *refused
	}
	jid, pn := owner(s.group)
	return sim.Reply{Status: http.StatusOK, Body: struct {
		Success bool `json:"success"`
		Info    info `json:"info"`
	}{true, info{s.group.JID, s.group.Name, ownerRef{jid, pn}, render(s.group), map[string]any{}}}}
}

// sdkGroup serves the SDK's GET /{sessionId}/groups/{groupId}: the Group itself.
func sdkGroup(x *sim.Exchange) sim.Reply {
	s, refused := groupScope(x)
	if refused != nil {
		return *refused
	}
	return sim.Reply{Status: http.StatusOK, Body: groupOf(s.group)}
}

// websiteParticipants is {success, participants, error: null}; sdkParticipants is the SDK's
// GroupParticipant[] [inferred: the SDK declares that return type for the same path].
func websiteParticipants(ps []participant) any {
	return struct {
		Success      bool          `json:"success"`
		Participants []participant `json:"participants"`
		Error        *string       `json:"error"`
	}{true, ps, nil}
}

func sdkParticipants(ps []participant) any { return ps }

// participants serves GET …/participants.
func participants(shape func([]participant) any) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		s, refused := groupScope(x)
		if refused != nil {
			return *refused
		}
		return sim.Reply{Status: http.StatusOK, Body: shape(render(s.group))}
	}
}
