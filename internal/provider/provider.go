// Package provider defines what wagov needs of a WhatsApp API provider: a Client that reads a
// group and changes its participants, the outcomes and sentinel errors it reports, and the
// registry that builds a Client for a provider type. Each provider type lives in its own
// subpackage, which knows its wire format and nothing else.
package provider

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/wagov/wagov/internal/roster"
)

// Result classifies what happened to one member in a write call.
type Result string

const (
	// ResultApplied: the change was made.
	ResultApplied Result = "Applied"
	// ResultUnchanged: nothing needed doing (already a member, already an admin, not a member).
	ResultUnchanged Result = "Unchanged"
	// ResultInviteRequired: the member's privacy settings allow only an invite (WhatsApp 403).
	ResultInviteRequired Result = "InviteRequired"
	// ResultNotOnWhatsApp: the number has no WhatsApp account (404).
	ResultNotOnWhatsApp Result = "NotOnWhatsApp"
	// ResultRecentlyLeft: the member left recently and cannot be re-added yet (408).
	ResultRecentlyLeft Result = "RecentlyLeft"
	// ResultGroupFull: the group has reached its size limit (419).
	ResultGroupFull Result = "GroupFull"
	// ResultCommunityGroup: WhatsApp will not add anyone directly to this group because it
	// belongs to a community (417); they can join by invite.
	ResultCommunityGroup Result = "CommunityGroup"
	// ResultRejected: the provider refused the change for this member without a known reason.
	ResultRejected Result = "Rejected"
	// ResultUnknown: the provider's answer says nothing reliable about this member; the next
	// read tells.
	ResultUnknown Result = "Unknown"
	// ResultNotTakingEffect: the provider accepted the change, but a read past the provider's
	// read lag still does not show it (for example a privacy refusal the provider did not
	// report, or a promote that an engine answers 200 and drops).
	ResultNotTakingEffect Result = "NotTakingEffect"
	// ResultPresentUnresolved: the provider says the member is already in the group, but its
	// read shows them only by a hidden id (@lid) without a number, so wagov cannot see them.
	ResultPresentUnresolved Result = "PresentUnresolved"
	// ResultRateOverlimit: WhatsApp refused this member because the account sent too much too
	// fast (its IQ "rate-overlimit", which some engines pass on as a per-member 400 or 429).
	// It is a signal about the account, not the member: the account pauses.
	ResultRateOverlimit Result = "RateOverlimit"
)

// Terminal reports whether the outcome needs a person or time, so that retrying at once is useless.
func (r Result) Terminal() bool {
	switch r {
	case ResultInviteRequired, ResultNotOnWhatsApp, ResultRecentlyLeft, ResultGroupFull, ResultCommunityGroup, ResultRejected, ResultNotTakingEffect, ResultPresentUnresolved:
		return true
	}
	return false
}

// AddResult classifies the per-participant code WhatsApp gives an add (providers.md §1.4),
// which the providers built on WhatsApp's own answer pass through.
func AddResult(code int) Result {
	switch code {
	case 200:
		return ResultApplied
	case 409:
		return ResultUnchanged
	case 403:
		return ResultInviteRequired
	case 404:
		return ResultNotOnWhatsApp
	case 408:
		return ResultRecentlyLeft
	case 417:
		return ResultCommunityGroup
	case 419:
		return ResultGroupFull
	case 400, 429:
		return ResultRateOverlimit
	}
	return ResultRejected
}

// RateOverlimit reports whether an outcome is WhatsApp's per-member signal that the account
// is sending too fast: the result itself, or a message carrying WhatsApp's "rate-overlimit".
func (o Outcome) RateOverlimit() bool {
	return o.Result == ResultRateOverlimit || strings.Contains(strings.ToLower(o.Message), "rate-overlimit")
}

// Outcome is what a write call did to one member.
type Outcome struct {
	Member  roster.Phone
	Result  Result
	Code    int    // the provider's per-member code, when it gives one
	Message string // what the provider said, never a credential
}

// Client talks to one provider account. Implementations are safe for concurrent use and send
// every request through Config.HTTP, which charges it to the account's budget. The controller
// keeps one Client per provider object (and generation and credential), so a Client may keep
// what it learns of its account (its own number, which paths the server answers, how the last
// read addressed each member) for its lifetime.
type Client interface {
	// CheckAccount makes one cheap read call that proves the credentials and the account work.
	CheckAccount(ctx context.Context) error
	// ReadGroup reads the live group with its participants and their roles.
	ReadGroup(ctx context.Context, groupID string) (roster.Group, error)
	// Change applies op to members, who number at most Capabilities.MaxBatch, in one call, and
	// reports an outcome per member. An error means the call as a whole failed.
	Change(ctx context.Context, groupID string, op roster.Op, members []roster.Phone) ([]Outcome, error)
}

// Config is what a Client is built from. The credential is held only in memory and must never
// appear in an error, a log line or a status.
type Config struct {
	// Endpoint is the base URL; empty means the type's default.
	Endpoint string
	// Account is what the calls act as (see the API's spec.account).
	Account string
	// Credential is the API key (GOWA: "user:password").
	Credential string
	// HTTP is the client to send every request with: the controller's charges each to the
	// account's budget and refuses unsafe redirects. nil means httpx.DefaultHTTP.
	HTTP *http.Client
}

// BatchFor is the most participants one call of op may carry.
func (c Capabilities) BatchFor(op roster.Op) int {
	if n, ok := c.OpBatch[op]; ok && n > 0 {
		return n
	}
	return max(c.MaxBatch, 1)
}

// Capabilities are the fixed facts of a provider type that the controller plans around.
type Capabilities struct {
	// MaxBatch is the most participants one write call may carry.
	MaxBatch int
	// OpBatch, when it names an operation, is that operation's cap instead of MaxBatch (an API
	// whose add takes several members and whose other writes take one).
	OpBatch map[roster.Op]int
	// DefaultEndpoint is the base URL of a hosted type; empty for self-hosted types.
	DefaultEndpoint string
	// ReadCalls is how many HTTP calls one ReadGroup makes in steady state (0 means 1), so that
	// the account's token bucket counts them all.
	ReadCalls int
	// ReadLag is how long the provider's reads may trail its writes: a change sent within it
	// and not yet visible is awaited, not sent again.
	ReadLag time.Duration
}
