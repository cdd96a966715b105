// Package providertest holds helpers for provider client tests: testdata fixtures, the checks
// of a call's error, a scripted server that records the requests a client sends (for golden
// requests), and wagov-sim started from a test's seed with the checks every client passes
// against it alike.
package providertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/roster"
)

// Fixture returns the file testdata/name, failing the test if it cannot be read.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Compact returns the JSON b without insignificant space, failing the test if b is not JSON.
func Compact(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// NewClient builds a client with newClient, failing the test if it refuses the config.
func NewClient(t testing.TB, newClient provider.Factory, endpoint, account, credential string) provider.Client {
	t.Helper()
	c, err := newClient(provider.Config{Endpoint: endpoint, Account: account, Credential: credential})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// AssertFailed checks that err wraps want and shows none of secrets.
func AssertFailed(t testing.TB, err, want error, secrets ...string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want one wrapping %q", err, want)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error shows the credential %q: %v", s, err)
		}
	}
}

// AssertError checks err against want: no error where want is nil, otherwise as AssertFailed.
func AssertError(t testing.TB, err, want error, secrets ...string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	AssertFailed(t, err, want, secrets...)
}

// Call is one client method call, for tables of whole-call failures.
type Call func(context.Context, provider.Client) error

// Read is the call ReadGroup(group).
func Read(group string) Call {
	return func(ctx context.Context, c provider.Client) error {
		_, err := c.ReadGroup(ctx, group)
		return err
	}
}

// Change is the call Change(group, op, members).
func Change(op roster.Op, group string, members ...roster.Phone) Call {
	return func(ctx context.Context, c provider.Client) error {
		_, err := c.Change(ctx, group, op, members)
		return err
	}
}

// CheckAccount is the call CheckAccount().
func CheckAccount(ctx context.Context, c provider.Client) error { return c.CheckAccount(ctx) }
