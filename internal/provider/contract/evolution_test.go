package contract

import (
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

// Evolution: groups are JIDs, the account is the instance name, and createJid passes "@lid"
// through, so the client names members a read listed by LID with their LID (in LID-addressed
// groups a write naming the number fails, evolution-api#1239).
func init() {
	register(Case{
		Type: "Evolution",
		Account: sim.Account{Name: "contract", Type: "Evolution", APIKey: "contract-evolution-key",
			Session: "contract-instance", Numbers: []string{"+12123334444"}},
		Config: func(endpoint string) provider.Config {
			return provider.Config{Endpoint: endpoint, Account: "contract-instance", Credential: "contract-evolution-key"}
		},
		GroupID:   func(_, jid string) string { return jid },
		LIDWrites: true,
	})
}
