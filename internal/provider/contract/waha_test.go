package contract

import (
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

func init() {
	register(Case{
		Type: "WAHA",
		Account: sim.Account{Name: "contract", Type: "WAHA", APIKey: "contract-waha-key",
			Numbers: []string{"+12123334444"}, Session: "contract"},
		Config: func(endpoint string) provider.Config {
			return provider.Config{Endpoint: endpoint, Account: "contract", Credential: "contract-waha-key"}
		},
		GroupID:   func(_, jid string) string { return jid },
		LIDWrites: true,
	})
}
