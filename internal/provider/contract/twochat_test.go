package contract

import (
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

func init() {
	register(Case{
		Type:    "TwoChat",
		Account: sim.Account{Name: "contract", Type: "TwoChat", APIKey: "contract-2chat-key", Numbers: []string{"+12123334444"}},
		Config: func(endpoint string) provider.Config {
			return provider.Config{Endpoint: endpoint, Account: "+12123334444", Credential: "contract-2chat-key"}
		},
		GroupID: func(id, _ string) string { return id },
	})
}
