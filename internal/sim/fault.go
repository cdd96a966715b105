package sim

import (
	"errors"
	"fmt"
)

// Fault changes how matching provider calls are answered: an error status instead of the
// real answer, a delay, or a malformed body. Faults apply after authentication and the rate
// limit; the first active fault that matches a call applies to it.
type Fault struct {
	// Provider limits the fault to one dialect, such as "TwoChat"; "" matches any.
	Provider string `json:"provider,omitempty"`
	// Op limits the fault to one operation (the Op constants); "" matches any.
	Op string `json:"op,omitempty"`
	// Group limits the fault to calls naming this group id; "" matches any.
	Group string `json:"group,omitempty"`
	// Status, when set, is sent instead of serving the call, which then changes nothing.
	Status int `json:"status,omitempty"`
	// Body is sent with Status; by default the dialect's error shape.
	Body string `json:"body,omitempty"`
	// RetryAfter is a Retry-After header value to send, such as "2" or an HTTP-date.
	RetryAfter string `json:"retryAfter,omitempty"`
	// Latency is waited before answering.
	Latency Duration `json:"latency,omitempty"`
	// RedirectTo, when set, answers 307 to this base URL with the call's path and query, as a
	// proxy or a moved server does; the call changes nothing.
	RedirectTo string `json:"redirectTo,omitempty"`
	// Malformed serves the call (so a write takes effect) but answers 200 with the body cut
	// in half, which is not valid JSON.
	Malformed bool `json:"malformed,omitempty"`
	// Times is how many matching calls the fault affects; 0 means until cleared.
	Times int `json:"times,omitempty"`
}

// Validate reports a fault that cannot be applied.
func (f Fault) Validate() error {
	var errs []error
	if f.Op != "" && !knownOps[f.Op] {
		errs = append(errs, fmt.Errorf("op %q is not one of read, account, list, add, remove, promote, demote, unknown", f.Op))
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		errs = append(errs, fmt.Errorf("status %d is not an HTTP status", f.Status))
	}
	if (f.Status != 0 || f.Malformed) && f.RedirectTo != "" {
		errs = append(errs, errors.New("redirectTo excludes status and malformed"))
	}
	if f.Status != 0 && f.Malformed {
		errs = append(errs, errors.New("status and malformed exclude each other"))
	}
	if f.Times < 0 || f.Latency < 0 {
		errs = append(errs, errors.New("times and latency must not be negative"))
	}
	return errors.Join(errs...)
}

func (f Fault) matches(c Call) bool {
	return (f.Provider == "" || f.Provider == c.Provider) &&
		(f.Op == "" || f.Op == c.Op) &&
		(f.Group == "" || f.Group == c.Group)
}

type activeFault struct {
	Fault
	left int // calls still to affect when Times > 0
}

// faultSet is the list of active faults, oldest first.
type faultSet struct {
	lastID int
	active []activeFault
}

func (fs *faultSet) add(f Fault) int {
	fs.lastID++
	fs.active = append(fs.active, activeFault{Fault: f, left: f.Times})
	return fs.lastID
}

// take returns the fault that applies to c, counting the call against it.
func (fs *faultSet) take(c Call) (Fault, bool) {
	for i := range fs.active {
		af := &fs.active[i]
		if !af.matches(c) {
			continue
		}
		f := af.Fault
		if af.Times > 0 {
			if af.left--; af.left == 0 {
				fs.active = append(fs.active[:i], fs.active[i+1:]...)
			}
		}
		return f, true
	}
	return Fault{}, false
}
