package contract

import (
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/sim"
)

// GOWA: groups are JIDs; the credential is the Basic auth pair "user:password" and the
// account the device id, whose own number the status read (GET /app/status, jid) names. GOWA
// reports "success" for every add WhatsApp refuses except a privacy refusal, so add outcomes
// are hidden; an unregistered number alone in a call is still reported, and a batch holding
// one is refused whole (ErrInvalidRequest) for the caller to split. A write by a plain member
// is whatsmeow's IQ 403, which GOWA passes on as a 500 whose text the client reads as
// ErrNotAdmin. GOWA takes bare digits only, so it cannot name an @lid target (LIDWrites false):
// its writes in a LID-addressed group come back Unknown.
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
