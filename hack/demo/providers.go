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
	wagovroster "github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

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
	whatsappv1.ProviderWasend: "account: GET /sessions/{id}, the WhatsAppProvider's check (it names the session's own " +
		"number); list, and read with GET …/info: the check's probes, once, of which of Wasend's two documented path sets " +
		"the server answers",
	whatsappv1.ProviderWawp: "account: GET /v2/session/me, the WhatsAppProvider's check (it names the instance's own " +
		"number, read once per client)",
	whatsappv1.ProviderWAHA: "account: GET /api/sessions/{session}, the WhatsAppProvider's check (it names the session's " +
		"own number, read once per client)",
	whatsappv1.ProviderQuickGateway: "account: the session read, the WhatsAppProvider's check; a group read is its members " +
		"(by LID) plus a contacts read, which names no group, to resolve them; an add first looks each newcomer up " +
		"(a read with no group); remove, promote and demote name their one member in the path",
	whatsappv1.ProviderEvolution: "account: fetchInstances, the WhatsAppProvider's check; every write is POST " +
		"/group/updateParticipant, which the log files as add, so the writes are checked together (= writes)",
	whatsappv1.ProviderGOWA: "account: GET /app/status, the WhatsAppProvider's check (it names the device's own number)",
}

// providerFacts are what the demo needs of one WhatsAppProvider.
type providerFacts struct {
	// typ is the provider type.
	typ whatsappv1.ProviderType
	// self is the account's own number, from the seed.
	self string
	// maxBatch is the most participants one add call carries: the type's cap, lowered by
	// spec.maxBatchSize when set.
	maxBatch int
	// opBatch is the same cap for each other kind of write, by call-log op, where it differs.
	opBatch map[string]int
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
		capped := func(op wagovroster.Op) int {
			n := caps.BatchFor(op)
			if m := p.Spec.MaxBatchSize; m != nil && int(*m) < n {
				n = int(*m)
			}
			return n
		}
		f := providerFacts{
			typ: p.Spec.Type, self: acct.Number, maxBatch: capped(wagovroster.OpAdd), opBatch: map[string]int{},
			mergedOp: mergedWrites[p.Spec.Type],
		}
		for op, rop := range map[string]wagovroster.Op{sim.OpPromote: wagovroster.OpPromote, sim.OpDemote: wagovroster.OpDemote, sim.OpRemove: wagovroster.OpRemove} {
			if n := capped(rop); n != f.maxBatch {
				f.opBatch[op] = n
			}
		}
		out[name] = f
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
