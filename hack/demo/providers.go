package main

// This file owns what the checks need to know of each provider type: its batch cap (from the
// provider registry, as the operator sees it), whether it says which participant is the
// account's own number, and how wagov-sim's call log files its calls.

import (
	"fmt"
	"strings"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/provider"
	_ "github.com/wagov/wagov/internal/provider/supported" // every provider type the operator knows
	"github.com/wagov/wagov/internal/sim"
)

// silentAboutSelf are the types that do not say which participant is the account's own
// number (README, "Provider types"): wagov never demotes or removes an admin on them.
var silentAboutSelf = map[whatsappv1.ProviderType]bool{
	whatsappv1.ProviderGOWA:   true,
	whatsappv1.ProviderWasend: true,
}

// mergedWrites are the types whose writes all go through one route, which wagov-sim's call
// log files under a single op: Evolution's POST /group/updateParticipant carries add, remove,
// promote and demote in its body and is logged as "add" (internal/sim/evolution). Their write
// calls are checked as a whole, not kind by kind.
var mergedWrites = map[whatsappv1.ProviderType]string{
	whatsappv1.ProviderEvolution: sim.OpAdd,
}

// typeNotes say, per type, what the call log shows besides one read call per group read and
// one write call per batch: the WhatsAppProvider's account check, reads that take more than
// one call, and how the log names the writes.
var typeNotes = map[whatsappv1.ProviderType]string{
	whatsappv1.ProviderTwoChat: "account: get-numbers, the WhatsAppProvider's check",
	whatsappv1.ProviderWasend: "list: the WhatsAppProvider's check; read includes GET …/info probes, which learn which of " +
		"Wasend's two documented path sets the server answers",
	whatsappv1.ProviderWawp: "account: GET /v2/session/me, by the WhatsAppProvider's check and with each group read " +
		"(it names the instance's own number)",
	whatsappv1.ProviderWAHA: "account: GET /api/sessions/{session}, by the WhatsAppProvider's check and with each group " +
		"read (it names the session's own number)",
	whatsappv1.ProviderQuickGateway: "account: the session read, the WhatsAppProvider's check; a group read is its members " +
		"(by LID) plus a contacts read, which names no group, to resolve them; remove, promote and demote name their " +
		"one member in the path",
	whatsappv1.ProviderEvolution: "account: fetchInstances, the WhatsAppProvider's check; every write is POST " +
		"/group/updateParticipant, which the log files as add, so the writes are checked together (= writes)",
	whatsappv1.ProviderGOWA: "account: the device status, the WhatsAppProvider's check",
}

// providerFacts are what the demo needs of one WhatsAppProvider.
type providerFacts struct {
	// typ is the provider type.
	typ whatsappv1.ProviderType
	// self is the account's own number, from the seed.
	self string
	// maxBatch is the most participants one write call carries: the type's cap, lowered by
	// spec.maxBatchSize when set.
	maxBatch int
	// reportsSelf is whether the provider says which participant is its own number.
	reportsSelf bool
	// mergedOp is, for a type whose writes all share one op in the call log, that op.
	mergedOp string
}

// factsOf works out the facts of every declared provider. The batch cap comes from the
// provider registry, the same one the operator is built with.
func factsOf(providers map[string]whatsappv1.WhatsAppProvider, values manifestValues) (map[string]providerFacts, error) {
	out := map[string]providerFacts{}
	for name, p := range providers {
		acct, ok := values.Accounts[string(p.Spec.Type)]
		if !ok {
			return nil, fmt.Errorf("WhatsAppProvider %s is of type %s, which has no account in the seed", name, p.Spec.Type)
		}
		_, caps, err := provider.New(string(p.Spec.Type), provider.Config{
			Endpoint: p.Spec.Endpoint, Account: p.Spec.Account, Credential: acct.APIKey,
		})
		if err != nil {
			return nil, fmt.Errorf("WhatsAppProvider %s: %w", name, err)
		}
		batch := caps.MaxBatch
		if m := p.Spec.MaxBatchSize; m != nil && int(*m) < batch {
			batch = int(*m)
		}
		out[name] = providerFacts{
			typ: p.Spec.Type, self: acct.Number, maxBatch: batch,
			reportsSelf: !silentAboutSelf[p.Spec.Type], mergedOp: mergedWrites[p.Spec.Type],
		}
	}
	return out, nil
}

// plannedCalls is how many write calls k changes of one kind take with a cap of batch
// participants per call: ceil(k/batch).
func plannedCalls(k, batch int) int {
	return (k + batch - 1) / batch
}

// named is how many participants a write call named. QuickGateway's remove, promote and demote
// name their one member in the path (…/members/{jid}), which the call log does not count.
func named(c sim.Call) int {
	if c.Members == 0 && strings.Contains(c.Path, "/members/") {
		return 1
	}
	return c.Members
}
