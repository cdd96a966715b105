// read.go serves 2Chat's reads: the key's connected numbers, the groups of one number, and
// one group with its participants. Reads see the world read lag behind the truth, as 2Chat
// says its reads take minutes to catch up.

package twochat

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

type number struct {
	UUID             string `json:"uuid"`
	PhoneNumber      string `json:"phone_number"`
	Server           string `json:"server"`
	ConnectionStatus string `json:"connection_status"`
	FriendlyName     string `json:"friendly_name"`
}

func getNumbers(x *sim.Exchange) sim.Reply {
	numbers := []number{}
	for _, p := range x.Numbers() {
		numbers = append(numbers, number{
			UUID: channelUUID(p), PhoneNumber: p.E164(), Server: p.JID("c.us"),
			ConnectionStatus: "C", FriendlyName: x.Account.Name,
		})
	}
	return sim.Reply{Status: http.StatusOK, Body: struct {
		Success bool     `json:"success"`
		Numbers []number `json:"numbers"`
	}{true, numbers}}
}

type groupSummary struct {
	UUID          string `json:"uuid"`
	WAGroupID     string `json:"wa_group_id"`
	WAGroupName   string `json:"wa_group_name"`
	ProfilePicURL string `json:"profile_pic_url"`
}

func listGroups(x *sim.Exchange) sim.Reply {
	from, err := parseE164(x.Request.PathValue("from_number"))
	if err != nil || !x.Owns(from) {
		return fail(http.StatusNotFound, fmt.Sprintf("number %s is not connected to this API key", x.Request.PathValue("from_number")))
	}
	groups := []groupSummary{}
	for _, g := range x.ReadGroups() {
		if role(g, from) != "" {
			groups = append(groups, groupSummary{UUID: g.ID, WAGroupID: g.JID, WAGroupName: g.Name})
		}
	}
	return sim.Reply{Status: http.StatusOK, Body: struct {
		Success bool           `json:"success"`
		Data    []groupSummary `json:"data"`
	}{true, groups}}
}

type participant struct {
	WAParticipantID      string   `json:"wa_participant_id"`
	WAPushname           string   `json:"wa_pushname"`
	WAIsAdmin            bool     `json:"wa_is_admin"`
	WAIsSuperAdmin       bool     `json:"wa_is_super_admin"`
	Device               string   `json:"device"`
	PhoneNumber          string   `json:"phone_number"`
	FormattedPhoneNumber string   `json:"formatted_phone_number"`
	ISOCountryCode       string   `json:"iso_country_code"`
	Contact              struct{} `json:"contact"`
}

type groupInfo struct {
	UUID           string        `json:"uuid"`
	ChannelUUID    string        `json:"channel_uuid"`
	WAGroupID      string        `json:"wa_group_id"`
	WAOwnerID      string        `json:"wa_owner_id"`
	WAGroupName    string        `json:"wa_group_name"`
	Size           int           `json:"size"`
	ChannelIsOwner bool          `json:"channel_is_owner"`
	OwnerContact   struct{}      `json:"owner_contact"`
	Participants   []participant `json:"participants"`
}

// readGroup answers with the group when one of the key's numbers is in it, and 404 otherwise
// so that a key cannot learn of groups it is not in.
func readGroup(x *sim.Exchange) sim.Reply {
	g, ok := x.ReadGroup(x.Request.PathValue("uuid"))
	channel, inGroup := channelIn(x, g)
	if !ok || !inGroup {
		return fail(http.StatusNotFound, "group not found")
	}
	info := groupInfo{
		UUID: g.ID, ChannelUUID: channelUUID(channel), WAGroupID: g.JID, WAGroupName: g.Name,
		Size: len(g.Participants), ChannelIsOwner: role(g, channel) == roster.RoleSuperAdmin,
		Participants: make([]participant, 0, len(g.Participants)),
	}
	for _, m := range g.Participants {
		digits := strings.TrimPrefix(m.Phone, "+")
		role := roster.Role(m.Role)
		if role == roster.RoleSuperAdmin {
			info.WAOwnerID = digits + "@c.us"
		}
		info.Participants = append(info.Participants, participant{
			WAParticipantID: digits + "@c.us", WAIsAdmin: role.IsAdmin(), WAIsSuperAdmin: role == roster.RoleSuperAdmin,
			Device: "unknown", PhoneNumber: m.Phone, FormattedPhoneNumber: m.Phone,
		})
	}
	return sim.Reply{Status: http.StatusOK, Body: struct {
		Success bool      `json:"success"`
		Data    groupInfo `json:"data"`
	}{true, info}}
}

// channelIn returns the first of the key's numbers that is a participant of g.
func channelIn(x *sim.Exchange, g sim.GroupState) (roster.Phone, bool) {
	for _, p := range x.Numbers() {
		if role(g, p) != "" {
			return p, true
		}
	}
	return "", false
}

// role returns p's role in g, or "" when p is not a participant.
func role(g sim.GroupState, p roster.Phone) roster.Role {
	for _, m := range g.Participants {
		if m.Phone == p.E164() {
			return roster.Role(m.Role)
		}
	}
	return ""
}

// channelUUID is the stable 2Chat channel id ("WPN…") of a connected number.
func channelUUID(p roster.Phone) string {
	h := sha256.Sum256([]byte(p))
	return fmt.Sprintf("WPN%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// parseE164 accepts only the "+E164" form 2Chat documents.
func parseE164(s string) (roster.Phone, error) {
	if !strings.HasPrefix(s, "+") {
		return "", fmt.Errorf("%q is not an E.164 number with a leading +", s)
	}
	p, err := roster.Normalize(s)
	if err != nil {
		return "", fmt.Errorf("%q is not an E.164 number with a leading +", s)
	}
	return p, nil
}
