// Package httpx holds the HTTP plumbing that every provider client shares: building JSON
// requests, reading bounded responses, and turning HTTP failures into the provider package's
// sentinel errors without ever echoing a credential.
package httpx

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wagov/wagov/internal/provider"
)

// maxBody bounds how much of a response is read: a 1024-member roster is far smaller.
const maxBody = 4 << 20

// DefaultHTTP is the client used when a Config has none.
var DefaultHTTP = &http.Client{Timeout: 30 * time.Second, CheckRedirect: SafeRedirect}

// Response is a fully read HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends method to url with body encoded as JSON (nil: no body), with the given headers, and
// reads the whole response. Transport errors are ErrUnavailable; the error text names the
// operation but never the headers or the query string, which may hold a credential.
func Do(ctx context.Context, hc *http.Client, method, url string, header http.Header, body any) (*Response, error) {
	var out *Response
	err := send(ctx, hc, method, url, header, body, func(r *Response) error {
		// make and copy together: the runtime does not zero the new slice first.
		b := make([]byte, len(r.Body))
		copy(b, r.Body)
		r.Body, out = b, r
		return nil
	})
	return out, err
}

// Read is Do for an answer that read is done with when it returns, such as a roster that read
// decodes: the response's body is lent from a pool, not copied, and read must keep none of its
// bytes. Read returns read's error.
func Read(ctx context.Context, hc *http.Client, method, url string, header http.Header, body any, read func(*Response) error) error {
	return send(ctx, hc, method, url, header, body, read)
}

// send makes the request and hands the response, its body read into a pooled buffer, to read.
func send(ctx context.Context, hc *http.Client, method, url string, header http.Header, body any, read func(*Response) error) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	if hc == nil {
		hc = DefaultHTTP
	}
	// The client's Timeout becomes the request's deadline. net/http enforces Client.Timeout
	// over a transport it does not know (the budget's) with a goroutine, a channel and a timer
	// per request, a deadline with a timer only; the body is read here, before the deadline is
	// cancelled, so it covers all that Timeout did.
	rctx := ctx
	if hc.Timeout > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, hc.Timeout)
		defer cancel()
		untimed := *hc
		untimed.Timeout = 0
		hc = &untimed
	}
	req, err := http.NewRequestWithContext(rctx, method, url, rd)
	if err != nil {
		return fmt.Errorf("build %s request: %w", method, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if be, ok := budgetWait(err); ok {
			return fmt.Errorf("%s %s: %w", method, redact(req), be)
		}
		return fmt.Errorf("%s %s: %w: %s", method, redact(req), provider.ErrUnavailable, transportReason(err))
	}
	defer resp.Body.Close()
	buf := bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxBody {
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxBody)); err != nil {
		return fmt.Errorf("%s %s: read response: %w", method, redact(req), provider.ErrUnavailable)
	}
	return read(&Response{Status: resp.StatusCode, Header: resp.Header, Body: buf.Bytes()})
}

// bodies are the buffers responses are read into, so that reading one grows no slice.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// redact returns the request's path without query or credentials.
func redact(req *http.Request) string { return req.URL.Path }

// transportReason is a short, credential-free description of a transport failure.
func transportReason(err error) string {
	s := err.Error()
	// url.Error includes the full URL, which may carry a query credential: keep only the cause.
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// Decode parses a JSON body into v; a body that is not the expected JSON is ErrUnavailable.
func Decode(r *Response, what string, v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("%s: malformed response (%d bytes): %w", what, len(r.Body), provider.ErrUnavailable)
	}
	return nil
}

// maxRetrySeconds is the longest Retry-After, in seconds, that a time.Duration holds.
const maxRetrySeconds = int64(math.MaxInt64 / time.Second)

// RetryAfter parses a Retry-After header in either of its forms (seconds or HTTP-date).
// It returns 0 when the header is absent or unreadable.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		switch {
		case secs <= 0:
			return 0
		case secs > maxRetrySeconds: // more than a Duration holds: wait as long as one can
			return math.MaxInt64
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// StatusError maps a non-2xx status to a sentinel error, with message (the provider's own words,
// which must not contain a credential) for context. Types refine it for statuses they define
// differently (for example a 403 that means "not an admin").
func StatusError(what string, r *Response, message string) error {
	var sentinel error
	switch {
	case r.Status == http.StatusTooManyRequests:
		return fmt.Errorf("%s: %w", what, &provider.RateLimitedError{RetryAfter: RetryAfter(r.Header, time.Now())})
	case r.Status == http.StatusUnauthorized:
		sentinel = provider.ErrUnauthorized
	case r.Status == http.StatusNotFound:
		sentinel = provider.ErrNotFound
	case r.Status >= 500:
		sentinel = provider.ErrUnavailable
	default:
		sentinel = provider.ErrInvalidRequest
	}
	if message == "" {
		return fmt.Errorf("%s: HTTP %d: %w", what, r.Status, sentinel)
	}
	return fmt.Errorf("%s: HTTP %d: %w: %s", what, r.Status, sentinel, truncate(message, 200))
}

// Scrub replaces every occurrence of each non-empty secret in message, as it is and in the forms
// a request carries it (base64, as in HTTP Basic; URL-encoded, as in a query), for provider
// text that echoes what it was sent (such as "invalid API key <key>") before it goes into an
// error.
func Scrub(message string, secrets ...string) string {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret),
			base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawStdEncoding.EncodeToString([]byte(secret)),
			base64.URLEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret))}
		for _, f := range forms {
			message = strings.ReplaceAll(message, f, "[redacted]")
		}
	}
	return message
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
