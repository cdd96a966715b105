// read.go serves GOWA's reads: a device's connection status (with the number it is logged in
// as, in /app/status), the device's groups, and one group's participants. Reads go live to WhatsApp (whatsmeow's GetGroupInfo), so GOWA has no
// read lag of its own; the simulator's lag still applies.

package gowa

import (
	"net/http"
	"strings"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

// deviceStatus answers GET /devices/{device_id}/status, the multi-device guide's health
// check: {device_id, is_connected, is_logged_in}. A simulated device is always logged in.
func deviceStatus(x *sim.Exchange) sim.Reply {
	id := x.Request.PathValue("device_id")
	if id != x.Session() {
		return deviceNotFound(id)
	}
	return success("Device status", map[string]any{"device_id": id, "is_connected": true, "is_logged_in": true})
}

// appStatus answers GET /app/status, the device-scoped status read of docs/openapi.yaml (9.0.0):
// {is_connected, is_logged_in, device_id, jid}, where jid is the logged-in account as whatsmeow
// writes it without its device part, "digits@s.whatsapp.net".
func appStatus(x *sim.Exchange) sim.Reply {
	jid := ""
	if p := self(x); p != "" {
		jid = userJID(p)
	}
	return success("Connection status retrieved", map[string]any{
		"is_connected": true, "is_logged_in": true, "device_id": x.Session(), "jid": jid,
	})
}

// participant is domains/group.GroupParticipant.
type participant struct {
	JID          string `json:"jid"`
	PhoneNumber  string `json:"phone_number"`
	LID          string `json:"lid,omitempty"`
	DisplayName  string `json:"display_name,omitempty"`
	IsAdmin      bool   `json:"is_admin"`
	IsSuperAdmin bool   `json:"is_super_admin"`
}

type participantsResult struct {
	GroupID      string        `json:"group_id"`
	Name         string        `json:"name"`
	Participants []participant `json:"participants"`
}

// participants answers GET /group/participants?group_id=. As whatsmeow parses a group, a
// participant's jid is its phone JID, or its LID in a LID-addressed group, with the other
// identity in phone_number and lid.
func participants(x *sim.Exchange) sim.Reply {
	id := x.Request.URL.Query().Get(groupParam)
	if id == "" {
		return reply(http.StatusBadRequest, "VALIDATION_ERROR", "group_id: cannot be blank.", nil)
	}
	g, refused := readable(x, id)
	if refused != nil {
		return *refused
	}
	res := participantsResult{GroupID: g.JID, Name: g.Name, Participants: make([]participant, 0, len(g.Participants))}
	for _, m := range g.Participants {
		res.Participants = append(res.Participants, render(g, m))
	}
	return success("Success get group participants", res)
}

// readable finds a group the device is in, or the error GOWA passes on from whatsmeow's
// GetGroupInfo (item-not-found → "group not found", forbidden → "you're not participating
// in that group").
func readable(x *sim.Exchange, id string) (sim.GroupState, *sim.Reply) {
	g, ok := lookup(x, id)
	if !ok {
		r := internalError("group not found")
		return g, &r
	}
	if !isParticipant(g, self(x)) {
		r := internalError("you're not participating in that group")
		return g, &r
	}
	return g, nil
}

// lookup finds a group by JID, after GOWA's SanitizePhone: an id without a server gets
// @s.whatsapp.net when it is at most 15 characters long and @g.us otherwise.
func lookup(x *sim.Exchange, id string) (sim.GroupState, bool) {
	if !strings.Contains(id, "@") {
		if len(id) <= 15 {
			return sim.GroupState{}, false // a user JID names no group
		}
		id += "@g.us"
	}
	if !strings.HasSuffix(id, "@g.us") {
		return sim.GroupState{}, false
	}
	g, ok := x.ReadGroup(id)
	return g, ok && g.JID == id
}

func isParticipant(g sim.GroupState, p roster.Phone) bool {
	for _, m := range g.Participants {
		if m.Phone == p.E164() {
			return true
		}
	}
	return false
}

func render(g sim.GroupState, m sim.MemberState) participant {
	pn := strings.TrimPrefix(m.Phone, "+") + "@s.whatsapp.net"
	role := roster.Role(m.Role)
	p := participant{JID: pn, PhoneNumber: pn, LID: m.LID, IsAdmin: role.IsAdmin(), IsSuperAdmin: role == roster.RoleSuperAdmin}
	if g.Addressing == "lid" && m.LID != "" {
		p.JID = m.LID
	}
	return p
}

// groupInfo is the part of whatsmeow's types.GroupInfo, with its Go field names, that
// /user/my/groups returns.
type groupInfo struct {
	JID            string            `json:"JID"`
	OwnerJID       string            `json:"OwnerJID"`
	OwnerPN        string            `json:"OwnerPN"`
	Name           string            `json:"Name"`
	AddressingMode string            `json:"AddressingMode"`
	Participants   []groupMemberInfo `json:"Participants"`
}

// groupMemberInfo is whatsmeow's types.GroupParticipant.
type groupMemberInfo struct {
	JID          string `json:"JID"`
	PhoneNumber  string `json:"PhoneNumber"`
	LID          string `json:"LID"`
	IsAdmin      bool   `json:"IsAdmin"`
	IsSuperAdmin bool   `json:"IsSuperAdmin"`
	DisplayName  string `json:"DisplayName"`
	Error        int    `json:"Error"`
	AddRequest   any    `json:"AddRequest"`
}

// myGroups answers GET /user/my/groups: {results: {data: [GroupInfo]}} for the groups the
// device is in.
func myGroups(x *sim.Exchange) sim.Reply {
	data := []groupInfo{}
	for _, g := range x.ReadGroups() {
		if !isParticipant(g, self(x)) {
			continue
		}
		info := groupInfo{JID: g.JID, Name: g.Name, AddressingMode: g.Addressing, Participants: []groupMemberInfo{}}
		for _, m := range g.Participants {
			p := render(g, m)
			info.Participants = append(info.Participants, groupMemberInfo{
				JID: p.JID, PhoneNumber: p.PhoneNumber, LID: p.LID, IsAdmin: p.IsAdmin, IsSuperAdmin: p.IsSuperAdmin,
			})
			if p.IsSuperAdmin {
				info.OwnerJID, info.OwnerPN = p.JID, p.PhoneNumber
			}
		}
		data = append(data, info)
	}
	return success("Success get list groups", map[string]any{"data": data})
}
