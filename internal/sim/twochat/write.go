// write.go serves 2Chat's participant writes: add, remove, promote and demote, each taking
// {from_number, participants} and answering per member.
//
// Status choices where 2Chat documents none: 400 for a bad body (invalid JSON, no
// from_number, no participants, more than 10, a number not in +E164 form); 403 when
// from_number is not connected to the key; 404 for an unknown group; 403 when from_number is
// not an admin (or not a participant) of the group.

package twochat

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

type writeRequest struct {
	FromNumber   string   `json:"from_number"`
	Participants []string `json:"participants"`
}

// write is a validated write request.
type write struct {
	group  string
	from   roster.Phone
	sent   []string // participants as sent, echoed back in the answer
	phones []roster.Phone
}

// parseWrite validates a write; a non-nil Reply is the refusal.
func parseWrite(x *sim.Exchange) (write, *sim.Reply) {
	var req writeRequest
	if err := json.Unmarshal(x.Body, &req); err != nil {
		return write{}, refuse(http.StatusBadRequest, "invalid JSON body: "+err.Error())
	}
	if req.FromNumber == "" {
		return write{}, refuse(http.StatusBadRequest, "from_number is required")
	}
	from, err := parseE164(req.FromNumber)
	if err != nil {
		return write{}, refuse(http.StatusBadRequest, "from_number: "+err.Error())
	}
	switch n := len(req.Participants); {
	case n == 0:
		return write{}, refuse(http.StatusBadRequest, "participants must list at least one number")
	case n > MaxParticipants:
		return write{}, refuse(http.StatusBadRequest, fmt.Sprintf("participants lists %d numbers; at most %d are allowed per call", n, MaxParticipants))
	}
	w := write{group: x.Request.PathValue("uuid"), from: from, sent: req.Participants}
	for i, s := range req.Participants {
		p, err := parseE164(s)
		if err != nil {
			return write{}, refuse(http.StatusBadRequest, fmt.Sprintf("participants[%d]: %v", i, err))
		}
		w.phones = append(w.phones, p)
	}
	if !x.Owns(from) {
		return write{}, refuse(http.StatusForbidden, fmt.Sprintf("from_number %s is not connected to this API key", req.FromNumber))
	}
	return w, nil
}

func refuse(status int, message string) *sim.Reply {
	r := fail(status, message)
	return &r
}

// writeError maps the world's refusal of a whole write onto 2Chat statuses.
func writeError(err error, w write) sim.Reply {
	switch {
	case errors.Is(err, sim.ErrNotAdmin):
		return fail(http.StatusForbidden, fmt.Sprintf("%s is not an admin of the group", w.from.E164()))
	case errors.Is(err, sim.ErrGroupNotFound):
		return fail(http.StatusNotFound, "group not found")
	}
	return fail(http.StatusInternalServerError, err.Error())
}

type addResult struct {
	StatusCode     int    `json:"statusCode"`
	Message        string `json:"message"`
	IsInviteV4Sent bool   `json:"isInviteV4Sent"`
}

var addMessages = map[int]string{
	sim.AddOK:            "The participant was added successfully",
	sim.AddPrivacy:       "The participant's privacy settings do not allow adding them; an invite was sent",
	sim.AddNotOnWhatsApp: "The number is not registered on WhatsApp",
	sim.AddRecentlyLeft:  "The participant left the group recently and cannot be added yet",
	sim.AddAlreadyMember: "The participant is already in the group",
	sim.AddGroupFull:     "The group is full",
}

func add(x *sim.Exchange) sim.Reply {
	w, refused := parseWrite(x)
	if refused != nil {
		return *refused
	}
	codes, err := x.Add(w.group, w.from, w.phones)
	if err != nil {
		return writeError(err, w)
	}
	results := make(map[string]addResult, len(codes))
	for i, code := range codes {
		results[w.sent[i]] = addResult{StatusCode: code, Message: addMessages[code], IsInviteV4Sent: code == sim.AddPrivacy}
	}
	return sim.Reply{Status: http.StatusOK, Body: struct {
		Success      bool                 `json:"success"`
		Participants map[string]addResult `json:"participants"`
	}{true, results}}
}

type changeResult struct {
	Timestamp         int64    `json:"timestamp"`
	AcceptedNumbers   []string `json:"accepted_numbers"`
	UnacceptedNumbers []string `json:"unaccepted_numbers"`
}

// change serves remove, promote and demote, which 2Chat answers alike.
func change(op string) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		w, refused := parseWrite(x)
		if refused != nil {
			return *refused
		}
		accepted, err := x.Change(op, w.group, w.from, w.phones)
		if err != nil {
			return writeError(err, w)
		}
		res := changeResult{Timestamp: x.Now().Unix(), AcceptedNumbers: []string{}, UnacceptedNumbers: []string{}}
		for i, ok := range accepted {
			if ok {
				res.AcceptedNumbers = append(res.AcceptedNumbers, w.sent[i])
			} else {
				res.UnacceptedNumbers = append(res.UnacceptedNumbers, w.sent[i])
			}
		}
		return sim.Reply{Status: http.StatusOK, Body: struct {
			Success      bool         `json:"success"`
			Participants changeResult `json:"participants"`
		}{true, res}}
	}
}
