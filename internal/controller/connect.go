package controller

// This file owns the path from a provider object to a working provider.Client: reading the
// credentials Secret (only where the provider may), building the typed client, and finding
// the account's shared token bucket. Both controllers use it.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/metrics"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/ratelimit"
	"github.com/wagov/wagov/internal/roster"
)

// Connector builds provider clients from provider objects.
type Connector struct {
	Client   client.Client
	HTTP     *http.Client
	Accounts *ratelimit.Accounts

	mu sync.Mutex
	// users are the provider objects that act through each account, by account key, so that
	// an account's breaker opening can wake them.
	users map[string]map[providerKey]bool
}

// providerKey names a provider object: an empty namespace is a ClusterWhatsAppProvider.
type providerKey = types.NamespacedName

// account returns the account's budget and notes that p acts through it.
func (c *Connector) account(p whatsappv1.ProviderObject, key string, b ratelimit.Budget) *ratelimit.Account {
	c.mu.Lock()
	if c.users == nil {
		c.users = map[string]map[providerKey]bool{}
	}
	if c.users[key] == nil {
		c.users[key] = map[providerKey]bool{}
	}
	c.users[key][providerKey{Namespace: p.GetNamespace(), Name: p.GetName()}] = true
	c.mu.Unlock()
	return c.Accounts.Get(key, b)
}

// usersOf returns the provider objects seen acting through an account.
func (c *Connector) usersOf(key string) []providerKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]providerKey, 0, len(c.users[key]))
	for k := range c.users[key] {
		out = append(out, k)
	}
	return out
}

// Connection is a ready-to-use provider account.
type Connection struct {
	Type     string
	Client   provider.Client
	Account  *ratelimit.Account
	MaxBatch int
	// ReadLag is how long the provider's reads may trail its writes.
	ReadLag time.Duration
	// Canonical maps the forms of a number the provider treats as one person to one form.
	Canonical func(roster.Phone) roster.Phone
	// ReadCalls is how many calls one read costs the account's budget.
	ReadCalls int
}

// connectError is a failure to build a connection, with the condition reason it surfaces as.
type connectError struct {
	reason string
	err    error
}

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// Connect reads the provider's credentials and builds its client.
func (c *Connector) Connect(ctx context.Context, p whatsappv1.ProviderObject) (*Connection, error) {
	spec := p.ProviderSpec()
	if strings.HasPrefix(spec.Endpoint, "http://") && !spec.AllowInsecureHTTP {
		return nil, &connectError{whatsappv1.ReasonInvalidSpec, errors.New("plain http:// endpoint refused: set allowInsecureHTTP: true to allow it")}
	}
	cred, err := c.credential(ctx, p)
	if err != nil {
		return nil, err
	}
	cl, caps, err := provider.New(string(spec.Type), provider.Config{
		Endpoint:   spec.Endpoint,
		Account:    spec.Account,
		Credential: cred,
		HTTP:       c.HTTP,
	})
	if err != nil {
		return nil, &connectError{whatsappv1.ReasonInvalidSpec, err}
	}
	batch := caps.MaxBatch
	if spec.MaxBatchSize != nil && int(*spec.MaxBatchSize) < batch {
		batch = int(*spec.MaxBatchSize)
	}
	endpoint := spec.Endpoint
	if endpoint == "" {
		endpoint = caps.DefaultEndpoint
	}
	return &Connection{
		Type:      string(spec.Type),
		Client:    metrics.Instrument(string(spec.Type), cl),
		Account:   c.account(p, string(spec.Type)+"|"+strings.TrimSuffix(endpoint, "/")+"|"+spec.Account, budget(spec)),
		MaxBatch:  batch,
		ReadLag:   caps.ReadLag,
		Canonical: caps.Canonical,
		ReadCalls: max(caps.ReadCalls, 1),
	}, nil
}

// Default add pacing: about one add every 10 s, the pace community reports find safe.
const (
	defaultAddsPerMinute = 6
	defaultAddsPerDay    = 500
)

func budget(spec *whatsappv1.ProviderSpec) ratelimit.Budget {
	b := ratelimit.Budget{RequestsPerMinute: 60, Burst: 5, AddsPerMinute: defaultAddsPerMinute, AddsPerDay: defaultAddsPerDay}
	if al := spec.AddRateLimit; al != nil {
		if al.AddsPerMinute > 0 {
			b.AddsPerMinute = int(al.AddsPerMinute)
		}
		if al.AddsPerDay > 0 {
			b.AddsPerDay = int(al.AddsPerDay)
		}
	}
	if rl := spec.RateLimit; rl != nil {
		if rl.RequestsPerMinute > 0 {
			b.RequestsPerMinute = int(rl.RequestsPerMinute)
		}
		if rl.Burst > 0 {
			b.Burst = int(rl.Burst)
		}
	}
	return b
}

// credential reads the API key from the provider's Secret. A namespaced provider can name
// only a Secret in its own namespace; the error never includes the Secret's data.
func (c *Connector) credential(ctx context.Context, p whatsappv1.ProviderObject) (string, error) {
	ref := p.ProviderSpec().CredentialsRef
	ns := p.SecretNamespace()
	if ns == "" {
		return "", &connectError{whatsappv1.ReasonInvalidSpec, errors.New("credentialsRef.namespace is required")}
	}
	key := ref.Key
	if key == "" {
		key = "apiKey"
	}
	var s corev1.Secret
	if err := c.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return "", &connectError{whatsappv1.ReasonSecretNotFound, fmt.Errorf("secret %s/%s not found", ns, ref.Name)}
		}
		return "", fmt.Errorf("read secret %s/%s: %w", ns, ref.Name, err)
	}
	v, ok := s.Data[key]
	if !ok || len(strings.TrimSpace(string(v))) == 0 {
		return "", &connectError{whatsappv1.ReasonSecretNotFound, fmt.Errorf("secret %s/%s has no non-empty key %q", ns, ref.Name, key)}
	}
	return strings.TrimSpace(string(v)), nil
}

// secretIndexKey is the value under which a provider is indexed by the Secret it reads.
func secretIndexKey(p whatsappv1.ProviderObject) string {
	return p.SecretNamespace() + "/" + p.ProviderSpec().CredentialsRef.Name
}
