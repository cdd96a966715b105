// write.go serves GOWA's participant writes, which all take {group_id, participants} and run
// the same steps (usecase ManageParticipant): validate the body; turn each participant into
// "<participant>@s.whatsapp.net" and check it with IsOnWhatsApp, refusing the whole call with
// 400 INVALID_JID "user is not registered" at the first number that fails; then send one
// whatsmeow UpdateGroupParticipants. whatsmeow's errors for the call as a whole come back as
// 500 with their text; its per-participant codes are flattened to "error" for a privacy-blocked
// add (403 with an add request) and "success" for everything else.
//
// A participant that is not bare digits fails the check too: GOWA appends the server to it
// unchanged, so "+447…", "447…@s.whatsapp.net" and a LID become JIDs WhatsApp does not know.
// Every write therefore names members by phone number, also in a LID-addressed group, where a
// promote, demote or remove by phone number is accepted and changes nothing: whatsmeow sends
// the JID as given (UpdateGroupParticipants looks a LID's phone number up for adds only);
// WhatsApp refuses such a member per participant when Baileys, which also sends JIDs as given,
// names them so (evolution-api#1239, providers.md §12); and GOWA reports every per-participant
// refusal but a privacy-blocked add as "success".

package gowa

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

type writeRequest struct {
	GroupID      string   `json:"group_id"`
	Participants []string `json:"participants"`
}

// participantStatus is domains/group.ParticipantStatus.
type participantStatus struct {
	Participant string `json:"participant"`
	Status      string `json:"status"`
	Message     string `json:"message"`
}

// parseWrite validates a write; a non-nil Reply is the refusal.
func parseWrite(x *sim.Exchange) (string, []roster.Phone, *sim.Reply) {
	var req writeRequest
	if err := json.Unmarshal(x.Body, &req); err != nil {
		return "", nil, refuse("VALIDATION_ERROR", "invalid request body: "+err.Error())
	}
	switch {
	case req.GroupID == "":
		return "", nil, refuse("VALIDATION_ERROR", "group_id: cannot be blank.")
	case len(req.Participants) == 0:
		return "", nil, refuse("VALIDATION_ERROR", "participants: cannot be blank.")
	}
	phones := make([]roster.Phone, 0, len(req.Participants))
	for _, s := range req.Participants {
		p, ok := onWhatsApp(x, s)
		if !ok {
			return "", nil, refuse("INVALID_JID", "user is not registered")
		}
		phones = append(phones, p)
	}
	return req.GroupID, phones, nil
}

// onWhatsApp is GOWA's IsOnWhatsApp check of participant+"@s.whatsapp.net": only bare digits
// of a registered number pass.
func onWhatsApp(x *sim.Exchange, participant string) (roster.Phone, bool) {
	if participant == "" || participant[0] == '+' {
		return "", false
	}
	for _, r := range participant {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	p, err := roster.Normalize(participant)
	return p, err == nil && x.Registered(p)
}

func refuse(code, message string) *sim.Reply {
	r := reply(http.StatusBadRequest, code, message, nil)
	return &r
}

// writeError is whatsmeow's IQ error for the call as a whole, as GOWA passes it on.
func writeError(err error) sim.Reply {
	switch {
	case errors.Is(err, sim.ErrNotAdmin):
		return internalError("info query returned status 403: forbidden")
	case errors.Is(err, sim.ErrGroupNotFound):
		return internalError("info query returned status 404: item-not-found")
	}
	return internalError(err.Error())
}

// groupJID is the group a write names, after SanitizePhone; "" names none.
func groupJID(x *sim.Exchange, id string) string {
	if g, ok := lookup(x, id); ok {
		return g.JID
	}
	return ""
}

func add(x *sim.Exchange) sim.Reply {
	id, phones, refused := parseWrite(x)
	if refused != nil {
		return *refused
	}
	codes, err := x.Add(groupJID(x, id), self(x), phones)
	if err != nil {
		return writeError(err)
	}
	results := make([]participantStatus, len(phones))
	for i, code := range codes {
		results[i] = participantStatus{Participant: userJID(phones[i]), Status: "success", Message: "Action success"}
		if code == sim.AddPrivacy {
			results[i].Status, results[i].Message = "error", "Failed to add participant"
		}
	}
	return success("Success add participants", results)
}

var changeMessages = map[string]string{
	sim.OpRemove:  "Success delete participants",
	sim.OpPromote: "Success promote participants",
	sim.OpDemote:  "Success demote participants",
}

// change serves remove, promote and demote. WhatsApp's refusals of single participants (the
// creator, a non-member, a member named by phone in a LID-addressed group) carry no add
// request, so GOWA reports every one as "success".
func change(op string) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		id, phones, refused := parseWrite(x)
		if refused != nil {
			return *refused
		}
		targets := make([]sim.Target, len(phones))
		for i, p := range phones {
			targets[i] = sim.Target{Phone: p}
		}
		if _, err := x.ChangeTargets(op, groupJID(x, id), self(x), targets); err != nil {
			return writeError(err)
		}
		results := make([]participantStatus, len(phones))
		for i, p := range phones {
			results[i] = participantStatus{Participant: userJID(p), Status: "success", Message: "Action success"}
		}
		return success(changeMessages[op], results)
	}
}
