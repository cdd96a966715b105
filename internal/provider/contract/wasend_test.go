package contract

import (
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
	wasendsim "github.com/wagov/wagov/internal/sim/wasend"
)

// Wasend's website docs and its SDK give different paths, and wagov-sim serves each set under
// its own mount, so Wasend has two rows ("Wasend" and "Wasend#01"): one server answers only the
// website's paths, the other only the SDK's, and the client must find which on its own. Wasend
// takes "phone numbers or full JIDs", and the client names a member its read listed by LID with
// that LID, so LID-addressed writes reach the member.
func init() {
	for _, mount := range []string{wasendsim.WebsiteMount, wasendsim.SDKMount} {
		register(Case{
			Type: "Wasend",
			Account: sim.Account{Name: "contract", Type: "Wasend", APIKey: "contract-wasend-key",
				Session: "contract-session", Numbers: []string{"+12123334444"}},
			Config: func(endpoint string) provider.Config {
				return provider.Config{Endpoint: endpoint + mount, Account: "contract-session", Credential: "contract-wasend-key"}
			},
			GroupID:   func(_, jid string) string { return jid },
			LIDWrites: true,
		})
	}
}
