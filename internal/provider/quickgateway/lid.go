// lid.go owns the LIDs the client writes with. The gateway lists every member by LID only, its
// key for a person, and hands the JID a remove, promote or demote names to whatsmeow as it is
// (types.ParseJID accepts any server; UpdateGroupParticipants sends it as the participant's jid;
// rama-adi/quick-whatsapp-gateway@00e3869 internal/wa/liveops.go, tulir/whatsmeow group.go). So
// the client names each member by the LID the last read of the group listed them by, the id
// WhatsApp itself uses in LID-addressed groups; adds, and members not listed by a LID, go by phone
// JID, which is the form seed 004's examples show.

package quickgateway

import (
	"github.com/wagov/wagov/internal/roster"
)

// memberJID is the JID a remove, promote or demote names m by in the group: the LID the last
// read listed them by, or else their phone JID.
func (c *Client) memberJID(groupID string, m roster.Phone) string {
	if lid, ok := c.lids.LID(groupID, m); ok {
		return lid
	}
	return m.JID("s.whatsapp.net")
}
