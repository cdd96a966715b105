// write.go serves the gateway's live participant writes: add takes {participants: [JIDs]},
// remove, promote and demote take one member JID in the path. Every success is 204 with no
// body: the gateway discards WhatsApp's per-participant results, so a privacy refusal, an
// unregistered number or a recently-left member look the same as a success.
//
// Documented answers: 400 validation_error for an empty list or a malformed JID (a member JID
// ends in @s.whatsapp.net, a group JID in @g.us); 404 for an unknown group, and for promoting or
// demoting someone who is not a member; 403 when the session's account is not an admin; 501 when
// the session is not connected (here: not paired). Removing a non-member is "idempotent in
// effect": 204. Remove, promote and demote also take the member's LID, as the gateway's code
// does (it parses the path JID with whatsmeow's types.ParseJID, which accepts any server).

package quickgateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

type addRequest struct {
	Participants []string `json:"participants"`
}

// userJID parses a member JID in the documented form "<digits>@s.whatsapp.net".
func userJID(s string) (roster.Phone, error) {
	if !strings.HasSuffix(s, "@s.whatsapp.net") {
		return "", fmt.Errorf("invalid jid %q: a user JID ends in @s.whatsapp.net", s)
	}
	p, err := roster.Normalize(s)
	if err != nil {
		return "", fmt.Errorf("invalid jid %q", s)
	}
	return p, nil
}

// live checks what every live action needs: a group JID and a connected session. It returns
// the session's number, or the refusal.
func live(x *sim.Exchange) (roster.Phone, *sim.Reply) {
	if gid := x.Request.PathValue("gid"); !strings.HasSuffix(gid, "@g.us") {
		r := fail(http.StatusBadRequest, fmt.Sprintf("invalid jid %q: a group JID ends in @g.us", gid))
		return "", &r
	}
	p, ok := own(x)
	if !ok {
		r := fail(http.StatusNotImplemented, "live WhatsApp client is not available for this session")
		return "", &r
	}
	if _, _, ok := storedGroup(x); !ok {
		r := fail(http.StatusNotFound, "group not found")
		return "", &r
	}
	return p, nil
}

// writeError maps the world's refusal of a whole write onto the documented answers.
func writeError(err error) sim.Reply {
	switch {
	case errors.Is(err, sim.ErrNotAdmin):
		return fail(http.StatusForbidden, "the session's account is not an admin of this group")
	case errors.Is(err, sim.ErrGroupNotFound):
		return fail(http.StatusNotFound, "group not found")
	}
	return fail(http.StatusInternalServerError, "internal server error")
}

var noContent = sim.Reply{Status: http.StatusNoContent}

func add(x *sim.Exchange) sim.Reply {
	var req addRequest
	if err := json.Unmarshal(x.Body, &req); err != nil {
		return fail(http.StatusBadRequest, "invalid JSON body")
	}
	if len(req.Participants) == 0 {
		return fail(http.StatusBadRequest, "at least one participant is required")
	}
	phones := make([]roster.Phone, len(req.Participants))
	for i, s := range req.Participants {
		p, err := userJID(s)
		if err != nil {
			return fail(http.StatusBadRequest, err.Error())
		}
		phones[i] = p
	}
	self, refused := live(x)
	if refused != nil {
		return *refused
	}
	if _, err := x.Add(x.Request.PathValue("gid"), self, phones); err != nil {
		return writeError(err)
	}
	return noContent
}

// lidJID is the form of a LID in a member path: digits, then "@lid".
var lidJID = regexp.MustCompile(`^\d+@lid$`)

// personOfLID resolves a LID the way WhatsApp does for the gateway: a member of g listed by it,
// or anyone the world knows by it.
func personOfLID(x *sim.Exchange, g sim.GroupState, lid string) (roster.Phone, bool) {
	for _, m := range g.Participants {
		if lidOf(x, phoneOf(m)) == lid {
			return phoneOf(m), true
		}
	}
	return x.PhoneOfLID(lid)
}

// change serves remove, promote and demote of the one member the path names, by phone JID or
// by LID: the gateway hands the JID to whatsmeow as it is (types.ParseJID accepts both).
func change(op string) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		jid := x.Request.PathValue("jid")
		p, err := userJID(jid)
		byLID := lidJID.MatchString(jid)
		if err != nil && !byLID {
			return fail(http.StatusBadRequest, err.Error())
		}
		self, refused := live(x)
		if refused != nil {
			return *refused
		}
		g, _, _ := storedGroup(x)
		known := err == nil
		if byLID {
			p, known = personOfLID(x, g, jid)
		}
		if op != sim.OpRemove && (!known || roleOf(g, p) == "") {
			return fail(http.StatusNotFound, "member not found")
		}
		var targets []roster.Phone
		if known {
			targets = []roster.Phone{p}
		}
		if _, err := x.Change(op, g.JID, self, targets); err != nil {
			return writeError(err)
		}
		return noContent
	}
}
