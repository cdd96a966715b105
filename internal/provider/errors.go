package provider

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors that clients wrap, so that the controller can branch with errors.Is.
var (
	// ErrNotFound: the group (or the account's session) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNotAdmin: the account is not an admin of the group, so it cannot change it.
	ErrNotAdmin = errors.New("the account is not an admin of the group")
	// ErrUnauthorized: the provider rejected the credentials.
	ErrUnauthorized = errors.New("credentials rejected")
	// ErrRateLimited: the provider asked us to slow down; see RateLimitedError for when to retry.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: the provider or the account's session is down, or answered nonsense.
	ErrUnavailable = errors.New("provider unavailable")
	// ErrInvalidRequest: the provider refused the request itself (a bad id, a too-large batch).
	ErrInvalidRequest = errors.New("request refused")
)

// RateLimitedError is a 429 with the time the provider asked us to wait.
type RateLimitedError struct {
	// RetryAfter is how long to wait; zero when the provider did not say.
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("rate limited: retry after %s", e.RetryAfter)
	}
	return "rate limited"
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// RetryAfter returns how long a rate-limited error asks to wait, and whether err is one.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	return 0, false
}

// ErrBudget: the call was not sent because the account's request budget has no token soon;
// see BudgetError for when to come back. Nothing reached the provider.
var ErrBudget = errors.New("waiting for the account's request budget")

// BudgetError is a call held back by the account's own budget (not the provider's 429).
type BudgetError struct {
	// Wait is how long until a token may be there.
	Wait time.Duration
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("waiting %s for the account's request budget", e.Wait.Round(time.Millisecond))
}

// Is makes errors.Is(err, ErrBudget) true.
func (e *BudgetError) Is(target error) bool { return target == ErrBudget }

// BudgetWait returns how long a budget error asks to wait, and whether err is one.
func BudgetWait(err error) (time.Duration, bool) {
	var be *BudgetError
	if errors.As(err, &be) {
		return be.Wait, true
	}
	return 0, false
}
