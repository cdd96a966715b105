package httpx

// This file owns the http.Client a provider client is handed: every request it sends first
// takes a token of the account's budget (so the code and the budget agree by construction, for
// every call of every type), and it never follows a redirect that would carry the credential to
// another host or downgrade https to http.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/wagov/wagov/internal/provider"
)

// Take waits for one request's token of an account's budget, or returns how long to come back
// after when it does not come soon (and takes nothing then).
type Take func(ctx context.Context) (time.Duration, error)

// NewClient returns a client like base (its timeout and transport; nil means DefaultHTTP) that
// charges every request to take and refuses unsafe redirects.
func NewClient(base *http.Client, take Take) *http.Client {
	if base == nil {
		base = DefaultHTTP
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &http.Client{
		Timeout:       base.Timeout,
		Transport:     &budgeted{base: rt, take: take},
		CheckRedirect: SafeRedirect,
		Jar:           base.Jar,
	}
}

// SafeRedirect follows a redirect only on the same scheme and host as the first request, so
// that headers or query strings holding a credential never reach another server, and https is
// never downgraded; at most 5 hops.
func SafeRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	switch {
	case len(via) >= 5:
		return fmt.Errorf("stopped after %d redirects", len(via))
	case req.URL.Host != first.Host:
		return fmt.Errorf("refused a redirect to another host (%s): it would carry the credential there", req.URL.Host)
	case req.URL.Scheme != first.Scheme:
		return fmt.Errorf("refused a redirect from %s to %s", first.Scheme, req.URL.Scheme)
	}
	return nil
}

type budgeted struct {
	base http.RoundTripper
	take Take
}

// prepaidKey carries tokens a caller took ahead of its requests.
type prepaidKey struct{}

// Prepaid returns a context whose next n requests through a NewClient are not charged again:
// the caller took their tokens itself, before work it must not do without one (such as
// recording the write in status). Each prepaid token pays for exactly one request.
func Prepaid(ctx context.Context, n int) context.Context {
	left := &atomic.Int64{}
	left.Store(int64(n))
	return context.WithValue(ctx, prepaidKey{}, left)
}

func usePrepaid(ctx context.Context) bool {
	left, ok := ctx.Value(prepaidKey{}).(*atomic.Int64)
	return ok && left.Add(-1) >= 0
}

func (b *budgeted) RoundTrip(req *http.Request) (*http.Response, error) {
	if b.take != nil && !usePrepaid(req.Context()) {
		wait, err := b.take(req.Context())
		if err != nil {
			return nil, err
		}
		if wait > 0 {
			return nil, &provider.BudgetError{Wait: wait}
		}
	}
	return b.base.RoundTrip(req)
}

// budgetWait returns the budget error in err, if the request was never sent for want of a token.
func budgetWait(err error) (*provider.BudgetError, bool) {
	var be *provider.BudgetError
	return be, errors.As(err, &be)
}
