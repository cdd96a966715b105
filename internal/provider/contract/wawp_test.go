package contract

import (
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

func init() {
	register(Case{
		Type: "Wawp",
		Account: sim.Account{Name: "contract", Type: "Wawp", APIKey: "contract-wawp-token",
			Numbers: []string{"+12123334444"}, Session: "C0NTRACT0001"},
		Config: func(endpoint string) provider.Config {
			return provider.Config{Endpoint: endpoint, Account: "C0NTRACT0001", Credential: "contract-wawp-token"}
		},
		GroupID:   func(_, jid string) string { return jid },
		LIDWrites: true,
	})
}
