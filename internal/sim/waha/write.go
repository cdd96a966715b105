// write.go serves WAHA's participant writes as the NOWEB engine answers them: WAHA passes
// Baileys' groupParticipantsUpdate result through, one {status, jid, content} per participant,
// with WhatsApp's code as a string ("200", "403", "409", …), the participant's JID as WhatsApp
// echoes it (the @lid when the request named one) and the participant's XML node as content; a
// privacy-refused add carries an add_request child (the invite).

package waha

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strconv"

	"github.com/wagov/wagov/internal/sim"
)

// binaryNode is a Baileys XML node as JSON.
type binaryNode struct {
	Tag     string            `json:"tag"`
	Attrs   map[string]string `json:"attrs"`
	Content []binaryNode      `json:"content,omitempty"`
}

// participantResult is one element of Baileys' answer.
type participantResult struct {
	Status  string     `json:"status"`
	JID     string     `json:"jid"`
	Content binaryNode `json:"content"`
}

// inviteValidity is how long the invite of a privacy-refused add is valid.
const inviteValidity = 3 * 24 * 3600

// write serves one of the four writes, all of which take a ParticipantsRequest.
func write(op string) func(*sim.Exchange) sim.Reply {
	return func(x *sim.Exchange) sim.Reply {
		if name := x.Request.PathValue("session"); !SessionIs(x, name) {
			return sessionNotFound(name)
		}
		ids, targets, err := ParseParticipants(x)
		if err != nil {
			return refused(x, err)
		}
		g, err := FindGroup(x, x.Request.PathValue("id"))
		if err != nil {
			return refused(x, err)
		}
		codes, err := Apply(x, op, g, targets)
		if err != nil {
			return refused(x, err)
		}
		out := make([]participantResult, len(targets))
		for i, code := range codes {
			jid := targets[i].Phone.JID("s.whatsapp.net")
			if targets[i].ByLID {
				jid = ids[i]
			}
			node := binaryNode{Tag: "participant", Attrs: map[string]string{"jid": jid}}
			if code != CodeAccepted {
				node.Attrs["error"] = strconv.Itoa(code)
			}
			if op == sim.OpAdd && code == sim.AddPrivacy {
				node.Content = []binaryNode{{Tag: "add_request", Attrs: map[string]string{
					"code":       inviteCode(jid),
					"expiration": strconv.FormatInt(x.Now().Unix()+inviteValidity, 10),
				}}}
			}
			out[i] = participantResult{Status: strconv.Itoa(code), JID: jid, Content: node}
		}
		return sim.Reply{Status: http.StatusOK, Body: out}
	}
}

// inviteCode is a stable stand-in for the invite code WhatsApp issues.
func inviteCode(jid string) string {
	return fmt.Sprintf("%X", sha256.Sum256([]byte(jid)))[:16]
}
