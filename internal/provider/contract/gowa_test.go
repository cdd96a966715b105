package contract

import (
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

// GOWA: groups are JIDs; the credential is the Basic auth pair "user:password" and the
// account the device id. GOWA reports "success" for every add WhatsApp refuses except a privacy refusal, so
// add outcomes are hidden; an unregistered number is still reported, as the client isolates it.
// A write by a plain member is whatsmeow's IQ 403, which GOWA passes on as a 500 whose text
// the client reads as ErrNotAdmin.
func init() {
	const device = "contract-device"
	register(Case{
		Type: "GOWA",
		Account: sim.Account{Name: "contract-gowa", Type: "GOWA", APIKey: "contract-gowa-user:contract-gowa-pass",
			Numbers: []string{"+33612343000"}, Session: device},
		Config: func(endpoint string) provider.Config {
			return provider.Config{Endpoint: endpoint, Account: device, Credential: "contract-gowa-user:contract-gowa-pass"}
		},
		GroupID:          func(_, jid string) string { return jid },
		HidesAddOutcomes: true,
	})
}
