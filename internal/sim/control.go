package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Control is a client of a running simulator's control API, for demos and end-to-end tests.
type Control struct {
	// BaseURL is the simulator's address, such as "http://127.0.0.1:8090".
	BaseURL string
	// HTTP is the client to use; nil means http.DefaultClient.
	HTTP *http.Client
}

// Load replaces the simulator's world with seed.
func (c Control) Load(ctx context.Context, seed Seed) error {
	return c.do(ctx, http.MethodPut, "/_sim/world", seed, nil)
}

// Group returns a group as it truly is now; an unknown id yields an error wrapping
// ErrGroupNotFound.
func (c Control) Group(ctx context.Context, id string) (GroupState, error) {
	var g GroupState
	err := c.do(ctx, http.MethodGet, "/_sim/groups/"+url.PathEscape(id), nil, &g)
	if he := (*httpError)(nil); errors.As(err, &he) && he.status == http.StatusNotFound {
		return GroupState{}, fmt.Errorf("group %s: %w", id, ErrGroupNotFound)
	}
	return g, err
}

// Calls returns the call log, oldest first.
func (c Control) Calls(ctx context.Context) ([]Call, error) {
	var calls []Call
	err := c.do(ctx, http.MethodGet, "/_sim/calls", nil, &calls)
	return calls, err
}

// ResetCalls empties the call log.
func (c Control) ResetCalls(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sim/calls", nil, nil)
}

// InjectFault activates a fault and returns its id.
func (c Control) InjectFault(ctx context.Context, f Fault) (int, error) {
	var out struct {
		ID int `json:"id"`
	}
	err := c.do(ctx, http.MethodPost, "/_sim/faults", f, &out)
	return out.ID, err
}

// ClearFaults removes every fault.
func (c Control) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sim/faults", nil, nil)
}

// SetReadLag sets how far reads trail writes.
func (c Control) SetReadLag(ctx context.Context, d time.Duration) error {
	lag := Duration(d)
	return c.do(ctx, http.MethodPut, "/_sim/settings", Settings{ReadLag: &lag}, nil)
}

// do sends in as JSON (when not nil) and decodes a 2xx answer into out (when not nil).
func (c Control) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return fmt.Errorf("%s %s: %w", method, path, &httpError{status: resp.StatusCode, message: e.Error})
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// httpError is a control API answer outside 2xx.
type httpError struct {
	status  int
	message string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.status, http.StatusText(e.status), e.message)
}
