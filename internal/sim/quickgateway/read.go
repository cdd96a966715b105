// read.go serves the gateway's reads: from its stored data the session, the session's groups,
// one group, a group's members (by LID only, never a phone number) and the "found users"
// contacts, which carry the phone number of each LID the gateway has seen; and live, whether a
// number is on WhatsApp.
//
// Choices where the documents are silent: people without a LID in the seed get a stable one
// derived from their number; every contact carries its phone number (the world has no trait for
// a LID whose number the gateway never learned); contacts have no names, so q matches digits.

package quickgateway

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

// list is the gateway's page envelope.
type list[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"nextCursor"`
}

func page[T any](data []T, next string) sim.Reply {
	if data == nil {
		data = []T{}
	}
	return sim.Reply{Status: http.StatusOK, Body: list[T]{Data: data, NextCursor: next}}
}

// own is the session's paired number; false while the session is not paired.
func own(x *sim.Exchange) (roster.Phone, bool) {
	if ns := x.Numbers(); len(ns) > 0 {
		return ns[0], true
	}
	return "", false
}

type sessionInfo struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	GatewayID      string `json:"gatewayId"`
	Label          string `json:"label,omitempty"`
	Status         string `json:"status"`
	WAJID          string `json:"waJid,omitempty"`
	WALID          string `json:"waLid,omitempty"`
	PhoneNumber    string `json:"phoneNumber,omitempty"`
	IsAdminSession bool   `json:"isAdminSession"`
	AutoRead       bool   `json:"autoRead"`
	PresenceTyping bool   `json:"presenceTyping"`
	RatePerMin     int    `json:"ratePerMin"`
	RatePerHour    int    `json:"ratePerHour"`
	CreatedAt      int64  `json:"createdAt"`
	UpdatedAt      int64  `json:"updatedAt"`
}

// getSession answers with the session: "working" with its number once paired, else
// "scan_qr_code" without one.
func getSession(x *sim.Exchange) sim.Reply {
	now := x.Now().UnixMilli()
	s := sessionInfo{
		ID: x.Session(), OrganizationID: "org_" + x.Account.Name, GatewayID: "gw-sim-1", Label: x.Account.Name,
		Status: "scan_qr_code", PresenceTyping: true, RatePerMin: 20, RatePerHour: 200, CreatedAt: now, UpdatedAt: now,
	}
	if p, ok := own(x); ok {
		s.Status, s.PhoneNumber, s.WAJID, s.WALID = "working", string(p), p.JID("s.whatsapp.net"), lidOf(x, p)
	}
	return sim.Reply{Status: http.StatusOK, Body: s}
}

type groupInfo struct {
	ID               int    `json:"id"`
	GroupJID         string `json:"groupJid"`
	Subject          string `json:"subject,omitempty"`
	OwnerJID         string `json:"ownerJid,omitempty"`
	ParticipantCount int    `json:"participantCount"`
	FirstSeenAt      int64  `json:"firstSeenAt"`
	UpdatedAt        int64  `json:"updatedAt"`
}

// groups returns the groups the session's number is in, as a read sees them, with their row ids.
func groups(x *sim.Exchange) ([]sim.GroupState, []int) {
	p, ok := own(x)
	if !ok {
		return nil, nil
	}
	var out []sim.GroupState
	var ids []int
	for i, g := range x.ReadGroups() {
		if roleOf(g, p) != "" {
			out, ids = append(out, g), append(ids, i+1)
		}
	}
	return out, ids
}

func toGroupInfo(x *sim.Exchange, id int, g sim.GroupState) groupInfo {
	info := groupInfo{ID: id, GroupJID: g.JID, Subject: g.Name, ParticipantCount: len(g.Participants),
		FirstSeenAt: x.Now().UnixMilli(), UpdatedAt: x.Now().UnixMilli()}
	for _, m := range g.Participants {
		if m.Role == string(roster.RoleSuperAdmin) {
			info.OwnerJID = phoneOf(m).JID("s.whatsapp.net")
		}
	}
	return info
}

func listGroups(x *sim.Exchange) sim.Reply {
	gs, ids := groups(x)
	out := make([]groupInfo, len(gs))
	for i, g := range gs {
		out[i] = toGroupInfo(x, ids[i], g)
	}
	return page(out, "")
}

// storedGroup finds the group named by the path's JID among the session's groups.
func storedGroup(x *sim.Exchange) (sim.GroupState, int, bool) {
	gid := x.Request.PathValue("gid")
	gs, ids := groups(x)
	for i, g := range gs {
		if g.JID == gid {
			return g, ids[i], true
		}
	}
	return sim.GroupState{}, 0, false
}

func getGroup(x *sim.Exchange) sim.Reply {
	g, id, ok := storedGroup(x)
	if !ok {
		return fail(http.StatusNotFound, "group not found")
	}
	return sim.Reply{Status: http.StatusOK, Body: toGroupInfo(x, id, g)}
}

type memberRow struct {
	ID          int    `json:"id"`
	SessionID   string `json:"sessionId"`
	GroupJID    string `json:"groupJid"`
	LID         string `json:"lid"`
	Role        string `json:"role"`
	FirstSeenAt int64  `json:"firstSeenAt"`
	LastSeenAt  int64  `json:"lastSeenAt"`
}

// listMembers answers with every member in one page, each by LID and role only.
func listMembers(x *sim.Exchange) sim.Reply {
	g, gid, ok := storedGroup(x)
	if !ok {
		return fail(http.StatusNotFound, "group not found")
	}
	rows := make([]memberRow, len(g.Participants))
	for i, m := range g.Participants {
		rows[i] = memberRow{ID: gid*10000 + i + 1, SessionID: x.Session(), GroupJID: g.JID, LID: lidOf(x, phoneOf(m)),
			Role: m.Role, FirstSeenAt: x.Now().UnixMilli(), LastSeenAt: x.Now().UnixMilli()}
	}
	return page(rows, "")
}

type contact struct {
	id          uint64
	LID         string `json:"lid"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
	Source      string `json:"source"`
}

// Page sizes of the contacts list: "limit (1–200, default 50)"; values outside are clamped.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// listContacts answers with the people seen in the session's groups, filtered by source,
// group and q, one page at a time in identity id order.
func listContacts(x *sim.Exchange) sim.Reply {
	q := x.Request.URL.Query()
	source := q.Get("source")
	if source != "" && source != "dm" && source != "group" {
		return fail(http.StatusBadRequest, "source must be dm or group")
	}
	limit := defaultLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fail(http.StatusBadRequest, "limit must be an integer")
		}
		limit = min(max(n, 1), maxLimit)
	}
	after, err := parseCursor(q.Get("cursor"))
	if err != nil {
		return fail(http.StatusBadRequest, "invalid cursor")
	}
	var rows []contact
	if source != "dm" { // the world has no direct chats
		rows = seen(x, q.Get("group"), q.Get("q"), after)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = cursor(rows[limit-1].id)
	}
	return page(rows, next)
}

// seen returns the contacts of the session's groups (or of the one group JID), whose number
// contains search, with identity ids above after, in id order.
func seen(x *sim.Exchange, groupJID, search string, after uint64) []contact {
	gs, _ := groups(x)
	byID := map[uint64]contact{}
	for _, g := range gs {
		if groupJID != "" && g.JID != groupJID {
			continue
		}
		for _, m := range g.Participants {
			p := phoneOf(m)
			lid := lidOf(x, p)
			c := contact{id: identityID(lid), LID: lid, PhoneNumber: string(p), Source: "group"}
			if c.id > after && strings.Contains(string(p), strings.TrimPrefix(search, "+")) {
				byID[c.id] = c
			}
		}
	}
	out := make([]contact, 0, len(byID))
	for _, c := range byID {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b contact) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return out
}

// onWhatsApp is the answer of the live lookup GET /contacts/check?phone=.
type onWhatsApp struct {
	Query        string `json:"query"`
	IsOnWhatsApp bool   `json:"isOnWhatsApp"`
	JID          string `json:"jid,omitempty"`
}

// checkContact answers whether the number in phone (digits, optionally with "+") is on WhatsApp;
// it needs a connected session, as it asks WhatsApp.
func checkContact(x *sim.Exchange) sim.Reply {
	q := x.Request.URL.Query().Get("phone")
	p, err := roster.Normalize(q)
	if q == "" || strings.Contains(q, "@") || err != nil {
		return fail(http.StatusBadRequest, "invalid phone")
	}
	if _, ok := own(x); !ok {
		return fail(http.StatusNotImplemented, "live WhatsApp client is not available for this session")
	}
	answer := onWhatsApp{Query: q, IsOnWhatsApp: x.Registered(p)}
	if answer.IsOnWhatsApp {
		answer.JID = p.JID("s.whatsapp.net")
	}
	return sim.Reply{Status: http.StatusOK, Body: answer}
}

// The cursor is the last identity id of a page, as the documented example "eyJpZCI6MTAwfQ"
// ({"id":100}) shows.
type cursorBody struct {
	ID uint64 `json:"id"`
}

func cursor(id uint64) string {
	b, _ := json.Marshal(cursorBody{id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseCursor(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, err
	}
	var c cursorBody
	if err := json.Unmarshal(b, &c); err != nil {
		return 0, err
	}
	return c.ID, nil
}

// lidOf returns a person's LID: the seed's, or a stable 15-digit one derived from the number.
func lidOf(x *sim.Exchange, p roster.Phone) string {
	if lid := x.LIDOf(p); lid != "" {
		return lid
	}
	h := sha256.Sum256([]byte("lid:" + p))
	return fmt.Sprintf("%d@lid", 200000000000000+binary.BigEndian.Uint64(h[:8])%100000000000000)
}

// identityID is the stable row id of the identity a LID keys, below 2^53 like a database id.
func identityID(lid string) uint64 {
	h := sha256.Sum256([]byte("identity:" + lid))
	return binary.BigEndian.Uint64(h[:8])>>11 + 1
}

func phoneOf(m sim.MemberState) roster.Phone { return roster.MustNormalize(m.Phone) }

// roleOf returns p's role in g, or "" when p is not a participant. It compares numbers as
// WhatsApp files them (sim.SameUser): a Brazilian mobile with or without its ninth digit, a
// Mexican or Argentinian one with or without its mobile prefix, is one person.
func roleOf(g sim.GroupState, p roster.Phone) roster.Role {
	for _, m := range g.Participants {
		if sim.SameUser(phoneOf(m), p) {
			return roster.Role(m.Role)
		}
	}
	return ""
}
