package contract

import (
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

// QuickGateway (seed 004): groups are JIDs, the account is the session id, and writes answer
// 204 without a word about each member, so add outcomes are hidden. The member list names
// everyone by LID, and the gateway hands a remove, promote or demote's JID to whatsmeow as it is,
// so the client writes to listed members with their LID. Its add cap is MaxBatch (the shared
// BatchCap row), its other writes take one member.
func init() {
	const session = "01JQ0000000000000000000C01"
	register(Case{
		Type: "QuickGateway",
		Account: sim.Account{Name: "contract-quickgateway", Type: "QuickGateway", APIKey: "contract-quickgateway-key",
			Session: session, Numbers: []string{"+12123334444"}},
		Config: func(endpoint string) provider.Config {
			return provider.Config{Endpoint: endpoint, Account: session, Credential: "contract-quickgateway-key"}
		},
		GroupID:          func(_, jid string) string { return jid },
		HidesAddOutcomes: true,
		LIDWrites:        true,
	})
}
