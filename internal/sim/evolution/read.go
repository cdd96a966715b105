// read.go serves Evolution's reads: the instance (fetchInstances, connectionState), the groups
// the instance is in (fetchAllGroups), and one group with its participants (findGroupInfos,
// participants). Participants come in Baileys' shape: the JID as id, the phone as phoneNumber
// when the id is a LID, the LID as lid when the id is a phone JID, and admin "admin",
// "superadmin" or null.

package evolution

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

// instanceRow is one instance as fetchInstances lists it: a row of Evolution's Instance table.
type instanceRow struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	ConnectionStatus string  `json:"connectionStatus"`
	OwnerJID         *string `json:"ownerJid"`
	ProfileName      string  `json:"profileName"`
	Integration      string  `json:"integration"`
	Number           *string `json:"number"`
	Token            string  `json:"token"`
}

// fetchInstances lists the key's instance; with instanceName, only that one, and 404 when the key
// has no instance of that name.
func fetchInstances(x *sim.Exchange) sim.Reply {
	name := x.Request.URL.Query().Get("instanceName")
	if name != "" && name != x.Session() {
		return fail(http.StatusNotFound, `Instance "`+name+`" not found`)
	}
	row := instanceRow{
		ID: "evo-" + x.Session(), Name: x.Session(), ConnectionStatus: "open",
		ProfileName: x.Account.Name, Integration: "WHATSAPP-BAILEYS",
		// The instance token is the key itself in Evolution; the simulator does not echo it.
		Token: "[instance token]",
	}
	if own, ok := self(x); ok {
		jid := own.JID("s.whatsapp.net")
		row.OwnerJID = &jid
	}
	return sim.Reply{Status: http.StatusOK, Body: []instanceRow{row}}
}

func connectionState(x *sim.Exchange) sim.Reply {
	type instance struct {
		InstanceName string `json:"instanceName"`
		State        string `json:"state"`
	}
	return sim.Reply{Status: http.StatusOK, Body: struct {
		Instance instance `json:"instance"`
	}{instance{x.Session(), "open"}}}
}

// self is the instance's own number: the account's first.
func self(x *sim.Exchange) (roster.Phone, bool) {
	if ns := x.Numbers(); len(ns) > 0 {
		return ns[0], true
	}
	return "", false
}

// participant is Baileys' GroupParticipant as Evolution returns it.
type participant struct {
	ID          string  `json:"id"`
	PhoneNumber string  `json:"phoneNumber,omitempty"`
	LID         string  `json:"lid,omitempty"`
	Admin       *string `json:"admin"`
}

// groupMetadata is Baileys' GroupMetadata as Evolution returns it.
type groupMetadata struct {
	ID           string        `json:"id"`
	Subject      string        `json:"subject"`
	SubjectOwner string        `json:"subjectOwner"`
	SubjectTime  int64         `json:"subjectTime"`
	PictureURL   *string       `json:"pictureUrl"`
	Size         int           `json:"size"`
	Creation     int64         `json:"creation"`
	Owner        string        `json:"owner"`
	Desc         string        `json:"desc,omitempty"`
	Restrict     bool          `json:"restrict"`
	Announce     bool          `json:"announce"`
	IsCommunity  bool          `json:"isCommunity"`
	Participants []participant `json:"participants,omitempty"`
}

// creation is when every simulated group was made.
var creation = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

func metadata(g sim.GroupState, withParticipants bool) groupMetadata {
	md := groupMetadata{ID: g.JID, Subject: g.Name, SubjectTime: creation, Size: len(g.Participants), Creation: creation}
	for _, m := range g.Participants {
		p := toParticipant(g, m)
		if m.Role == string(roster.RoleSuperAdmin) {
			md.Owner, md.SubjectOwner = p.ID, p.ID
		}
		if withParticipants {
			md.Participants = append(md.Participants, p)
		}
	}
	return md
}

func toParticipant(g sim.GroupState, m sim.MemberState) participant {
	pn := strings.TrimPrefix(m.Phone, "+") + "@s.whatsapp.net"
	p := participant{ID: pn, LID: m.LID}
	if g.Addressing == "lid" && m.LID != "" {
		p = participant{ID: m.LID, PhoneNumber: pn}
	}
	if m.Role != string(roster.RoleMember) {
		role := m.Role
		p.Admin = &role
	}
	return p
}

// fetchAllGroups lists the groups the instance's number is in; getParticipants ("true" or
// "false") is required.
func fetchAllGroups(x *sim.Exchange) sim.Reply {
	with := x.Request.URL.Query().Get("getParticipants")
	switch with {
	case "true", "false":
	case "":
		return fail(http.StatusBadRequest, "The getParticipants needs to be informed in the query")
	default:
		return fail(http.StatusBadRequest, validation("getParticipants", `is not one of enum values: true,false`))
	}
	groups := []groupMetadata{}
	for _, g := range x.ReadGroups() {
		if _, in := roleOfSelf(x, g); in {
			groups = append(groups, metadata(g, with == "true"))
		}
	}
	return sim.Reply{Status: http.StatusOK, Body: groups}
}

// readJID is the GET validation of groupJid: Evolution appends "@g.us" when it is missing, and
// then requires digits and dashes before it.
var readJID = regexp.MustCompile(`^[\d-]+@g.us$`)

// readGroup finds the group a read names, or the refusal: 400 for a missing or malformed
// groupJid, 404 (notFound) when the instance's number is not in the group, as Baileys cannot
// read a group it is not in.
func readGroup(x *sim.Exchange, notFound string) (sim.GroupState, *sim.Reply) {
	jid, refused := groupJID(x)
	if refused != nil {
		return sim.GroupState{}, refused
	}
	if !readJID.MatchString(jid) {
		r := fail(http.StatusBadRequest, validation(groupParam, `does not match pattern "^[\\d-]+@g.us$"`))
		return sim.GroupState{}, &r
	}
	g, ok := x.ReadGroup(jid)
	if _, in := roleOfSelf(x, g); !ok || !in {
		r := fail(http.StatusNotFound, notFound, "Error: item-not-found")
		return sim.GroupState{}, &r
	}
	return g, nil
}

func findGroupInfos(x *sim.Exchange) sim.Reply {
	g, refused := readGroup(x, "Error fetching group")
	if refused != nil {
		return *refused
	}
	return sim.Reply{Status: http.StatusOK, Body: metadata(g, true)}
}

func participants(x *sim.Exchange) sim.Reply {
	g, refused := readGroup(x, "No participants")
	if refused != nil {
		return *refused
	}
	ps := make([]participant, 0, len(g.Participants))
	for _, m := range g.Participants {
		ps = append(ps, toParticipant(g, m))
	}
	return sim.Reply{Status: http.StatusOK, Body: struct {
		Participants []participant `json:"participants"`
	}{ps}}
}

// groupJID is the group a call names: groupJid from the body, else the query, with "@g.us"
// appended when missing; 400 when neither names one.
func groupJID(x *sim.Exchange) (string, *sim.Reply) {
	var body struct {
		GroupJID string `json:"groupJid"`
	}
	_ = json.Unmarshal(x.Body, &body) // a GET has no body; a bad POST body fails its own validation
	jid := body.GroupJID
	if jid == "" {
		jid = x.Request.URL.Query().Get(groupParam)
	}
	if jid == "" {
		r := fail(http.StatusBadRequest, "The group id needs to be informed in the query", `ex: "groupJid=120362@g.us"`)
		return "", &r
	}
	if !strings.HasSuffix(jid, "@g.us") {
		jid += "@g.us"
	}
	return jid, nil
}

// roleOfSelf returns the instance number's role in g and whether it is a participant.
func roleOfSelf(x *sim.Exchange, g sim.GroupState) (roster.Role, bool) {
	own, ok := self(x)
	if !ok {
		return "", false
	}
	for _, m := range g.Participants {
		if m.Phone == own.E164() {
			return roster.Role(m.Role), true
		}
	}
	return "", false
}

// fieldError is one schema violation, as Evolution's validators list them.
type fieldError struct {
	Property string `json:"property"`
	Message  string `json:"message"`
}

// validation is the error for property breaking a schema rule without its own description.
func validation(property, rule string) fieldError {
	return fieldError{Property: property, Message: property + " " + rule}
}
