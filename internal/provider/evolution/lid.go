// lid.go owns the LIDs the client writes with. In a LID-addressed group Evolution lists a member
// by LID (id "…@lid", with phoneNumber), and a promote, demote or remove that names the member by
// number fails for that member (evolution-api#1239: status "404"). createJid passes "@lid"
// through, so the client names each such member by the LID the last read of the group listed
// them by; adds, and members the last read listed by number, go by number.

package evolution

import (
	"strings"

	"github.com/wagov/wagov/internal/roster"
)

// participant is what a write of op names member m by in the group: the LID the last read
// listed them by, or else the number's digits, which createJid turns into a phone JID.
func (c *Client) participant(groupJID string, op roster.Op, m roster.Phone) string {
	if op == roster.OpAdd {
		return string(m)
	}
	if lid, ok := c.lids.LID(groupJID, m); ok {
		return lid
	}
	return string(m)
}

// resultJID is the JID Evolution answers for a participant sent as sent: a LID as it is, or the
// phone JID createJid makes of the digits.
func resultJID(sent string) string {
	if strings.HasSuffix(sent, "@lid") {
		return sent
	}
	return stored(roster.Phone(sent)).JID("s.whatsapp.net")
}
