package controller

// This file owns the path from a provider object to a working provider.Client: reading the
// credentials Secret (only where the provider may), building the typed client on an HTTP client
// that charges every request to the account's budget, and keeping it. One Connection is kept per
// provider object, and rebuilt only when the object's generation or its Secret's resourceVersion
// (read from the metadata cache) changes, so a client keeps what it learns of its account and a
// steady sync reads no Secret. Both controllers use it.

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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/metrics"
	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
	"github.com/wagov/wagov/internal/ratelimit"
	"github.com/wagov/wagov/internal/roster"
)

// Connector builds provider clients from provider objects and keeps them.
type Connector struct {
	// Client reads Secrets from the kube-apiserver (they are not cached).
	Client client.Client
	// Metadata reads Secret metadata from the informer cache; nil reads the Secret every time.
	Metadata client.Reader
	// HTTP is the base client (timeout, transport) of every provider client.
	HTTP     *http.Client
	Accounts *ratelimit.Accounts
	// MaxTokenWait is the longest a request waits in place for its account's budget.
	MaxTokenWait time.Duration
	// ClusterSecretNamespace, when set, is the only namespace a ClusterWhatsAppProvider may read
	// its Secret from (cert-manager's --cluster-resource-namespace), so that whoever may create
	// one cannot make the operator send any Secret of the cluster to an endpoint of their choice.
	ClusterSecretNamespace string

	mu    sync.Mutex
	conns map[providerKey]*kept
	// users are the provider objects that act through each account, by account key, so that
	// an account's breaker opening can wake them.
	users map[string]map[providerKey]bool
}

// providerKey names a provider object: an empty namespace is a ClusterWhatsAppProvider.
type providerKey = types.NamespacedName

// kept is a Connection and what it was built from.
type kept struct {
	generation    int64
	secretVersion string
	conn          *Connection
}

// Connection is a ready-to-use provider account.
type Connection struct {
	Type    string
	Client  provider.Client
	Account *ratelimit.Account
	// Caps are the type's fixed facts; Batch caps them further by the provider's maxBatchSize.
	Caps provider.Capabilities
	// ReadLag is how long the provider's reads may trail its writes.
	ReadLag time.Duration
	// maxBatch is the provider's spec.maxBatchSize, 0 when unset.
	maxBatch int
}

// Batch is the most members one call of op carries.
func (c *Connection) Batch(op roster.Op) int {
	n := c.Caps.BatchFor(op)
	if c.maxBatch > 0 && c.maxBatch < n {
		n = c.maxBatch
	}
	return n
}

// Canonical maps the forms of a number WhatsApp treats as one person to one form.
func (c *Connection) Canonical(p roster.Phone) roster.Phone { return roster.Canonical(p) }

// connectError is a failure to build a connection, with the condition reason it surfaces as.
type connectError struct {
	reason string
	err    error
}

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// Connect returns the provider's kept connection, or builds one from its spec and Secret.
func (c *Connector) Connect(ctx context.Context, p whatsappv1.ProviderObject) (*Connection, error) {
	spec := p.ProviderSpec()
	if strings.HasPrefix(spec.Endpoint, "http://") && !spec.AllowInsecureHTTP {
		return nil, &connectError{whatsappv1.ReasonInvalidSpec, errors.New("plain http:// endpoint refused: set allowInsecureHTTP: true to allow it")}
	}
	key := providerKey{Namespace: p.GetNamespace(), Name: p.GetName()}
	if conn := c.lookup(ctx, key, p); conn != nil {
		return conn, nil
	}
	cred, version, err := c.credential(ctx, p)
	if err != nil {
		return nil, err
	}
	endpoint := spec.Endpoint
	acct, err := c.accountFor(p, &endpoint)
	if err != nil {
		return nil, err
	}
	take := func(ctx context.Context) (time.Duration, error) { return acct.Take(ctx, 1, c.MaxTokenWait) }
	cl, caps, err := provider.New(string(spec.Type), provider.Config{
		Endpoint:   spec.Endpoint,
		Account:    spec.Account,
		Credential: cred,
		HTTP:       httpx.NewClient(c.HTTP, take),
	})
	if err != nil {
		return nil, &connectError{whatsappv1.ReasonInvalidSpec, err}
	}
	conn := &Connection{
		Type:    string(spec.Type),
		Client:  metrics.Instrument(string(spec.Type), cl),
		Account: acct,
		Caps:    caps,
		ReadLag: caps.ReadLag,
	}
	if spec.MaxBatchSize != nil {
		conn.maxBatch = int(*spec.MaxBatchSize)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conns == nil {
		c.conns = map[providerKey]*kept{}
	}
	c.conns[key] = &kept{generation: p.GetGeneration(), secretVersion: version, conn: conn}
	return conn, nil
}

// lookup returns the kept connection when it was built from the provider's current generation
// and its Secret's current resourceVersion.
func (c *Connector) lookup(ctx context.Context, key providerKey, p whatsappv1.ProviderObject) *Connection {
	c.mu.Lock()
	k := c.conns[key]
	c.mu.Unlock()
	if k == nil || k.generation != p.GetGeneration() || c.Metadata == nil {
		return nil
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	ref := types.NamespacedName{Namespace: p.SecretNamespace(), Name: p.ProviderSpec().CredentialsRef.Name}
	if err := c.Metadata.Get(ctx, ref, m); err != nil || m.ResourceVersion != k.secretVersion || !m.DeletionTimestamp.IsZero() {
		return nil
	}
	return k.conn
}

// Forget drops a provider's kept connection: the provider went away.
func (c *Connector) Forget(key providerKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.conns, key)
	for _, users := range c.users {
		delete(users, key)
	}
}

// accountFor returns the budget of the account p acts as (filling in the type's default
// endpoint), and notes that p acts through it.
func (c *Connector) accountFor(p whatsappv1.ProviderObject, endpoint *string) (*ratelimit.Account, error) {
	spec := p.ProviderSpec()
	caps, ok := provider.CapabilitiesOf(string(spec.Type))
	if !ok {
		return nil, &connectError{whatsappv1.ReasonInvalidSpec, fmt.Errorf("provider type %q is not supported by this build (supported: %v)", spec.Type, provider.Types())}
	}
	if *endpoint == "" {
		*endpoint = caps.DefaultEndpoint
	}
	key := string(spec.Type) + "|" + strings.TrimSuffix(*endpoint, "/") + "|" + spec.Account
	pk := providerKey{Namespace: p.GetNamespace(), Name: p.GetName()}
	c.mu.Lock()
	if c.users == nil {
		c.users = map[string]map[providerKey]bool{}
	}
	for _, users := range c.users {
		delete(users, pk) // a provider acts through one account at a time
	}
	if c.users[key] == nil {
		c.users[key] = map[providerKey]bool{}
	}
	c.users[key][pk] = true
	c.mu.Unlock()
	return c.Accounts.Get(key, budget(spec)), nil
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

// credential reads the API key from the provider's Secret, with the Secret's resourceVersion. A
// namespaced provider can name only a Secret in its own namespace; the error never includes the
// Secret's data.
func (c *Connector) credential(ctx context.Context, p whatsappv1.ProviderObject) (string, string, error) {
	ref := p.ProviderSpec().CredentialsRef
	ns := p.SecretNamespace()
	if ns == "" {
		return "", "", &connectError{whatsappv1.ReasonInvalidSpec, errors.New("credentialsRef.namespace is required")}
	}
	if cluster := p.GetNamespace() == ""; cluster && c.ClusterSecretNamespace != "" && ns != c.ClusterSecretNamespace {
		return "", "", &connectError{whatsappv1.ReasonInvalidSpec, fmt.Errorf("a ClusterWhatsAppProvider reads its Secret only from namespace %q (the operator's --cluster-resource-namespace), not %q: move the Secret there", c.ClusterSecretNamespace, ns)}
	}
	key := ref.Key
	if key == "" {
		key = "apiKey"
	}
	var s corev1.Secret
	if err := c.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return "", "", &connectError{whatsappv1.ReasonSecretNotFound, fmt.Errorf("secret %s/%s not found", ns, ref.Name)}
		}
		return "", "", fmt.Errorf("read secret %s/%s: %w", ns, ref.Name, err)
	}
	v, ok := s.Data[key]
	if !ok || len(strings.TrimSpace(string(v))) == 0 {
		return "", "", &connectError{whatsappv1.ReasonSecretNotFound, fmt.Errorf("secret %s/%s has no non-empty key %q", ns, ref.Name, key)}
	}
	return strings.TrimSpace(string(v)), s.ResourceVersion, nil
}

// secretIndexKey is the value under which a provider is indexed by the Secret it reads.
func secretIndexKey(p whatsappv1.ProviderObject) string {
	return p.SecretNamespace() + "/" + p.ProviderSpec().CredentialsRef.Name
}
