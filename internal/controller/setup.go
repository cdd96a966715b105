// Package controller holds wagov's reconcilers: one for each provider kind, which checks the
// account, and one for WhatsAppGroups, which syncs the live group to its spec.
package controller

import (
	"maps"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/metrics"
	"github.com/wagov/wagov/internal/ratelimit"

	// The provider types this build supports register themselves.
	_ "github.com/wagov/wagov/internal/provider/supported"
)

// Options are the operator's tunables.
type Options struct {
	// GroupConcurrency is how many groups sync at once.
	GroupConcurrency int
	// ConfirmAfter is how long after writing a group is read again.
	ConfirmAfter time.Duration
	// ProviderRecheck is how often a Ready provider account is checked again.
	ProviderRecheck time.Duration
	// CredentialsRecheck is the first wait before rejected credentials are checked again; the
	// wait grows with the time they have been rejected, up to ProviderRecheck.
	CredentialsRecheck time.Duration
	// MaxTokenWait is the longest a sync waits in place for its account's budget.
	MaxTokenWait time.Duration
	// BackoffBase and BackoffMax bound the per-object exponential backoff after errors.
	BackoffBase, BackoffMax time.Duration
	// ChangeBackoff and MaxChangeBackoff bound the backoff of a change the provider refused or
	// that did not take effect, per member and operation.
	ChangeBackoff, MaxChangeBackoff time.Duration
	// ClusterResourceNamespace, when set, is the only namespace ClusterWhatsAppProviders may
	// read their Secrets from.
	ClusterResourceNamespace string
	// HTTP is the client for provider calls; nil means a default with a 30s timeout.
	HTTP *http.Client
}

// DefaultOptions are the values the operator's flags default to.
func DefaultOptions() Options {
	return Options{
		GroupConcurrency:   4,
		ConfirmAfter:       10 * time.Second,
		ProviderRecheck:    10 * time.Minute,
		CredentialsRecheck: 30 * time.Second,
		MaxTokenWait:       2 * time.Second,
		BackoffBase:        time.Second,
		BackoffMax:         5 * time.Minute,
		ChangeBackoff:      5 * time.Minute,
		MaxChangeBackoff:   12 * time.Hour,
	}
}

// NewScheme returns a scheme holding the Kubernetes core types and wagov's API.
func NewScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := whatsappv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	return scheme, nil
}

// ClientOptions are the manager client's options: Secrets are read when needed, not cached, so
// the operator never holds every Secret of the cluster in memory.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}

// CacheOptions are the manager cache's options: what the operator never reads is stripped
// from every cached object (StripUnread); and, when shard is
// not nil, only the groups and providers it selects are watched, so that several operator
// Deployments can split them (Flux's sharding.fluxcd.io/key convention: the main one with
// "!sharding.fluxcd.io/key", each shard with "sharding.fluxcd.io/key=<shard>").
func CacheOptions(shard labels.Selector) cache.Options {
	o := cache.Options{DefaultTransform: StripUnread}
	if shard != nil && !shard.Empty() {
		o.ByObject = map[client.Object]cache.ByObject{
			&whatsappv1.WhatsAppGroup{}:           {Label: shard},
			&whatsappv1.WhatsAppProvider{}:        {Label: shard},
			&whatsappv1.ClusterWhatsAppProvider{}: {Label: shard},
		}
	}
	return o
}

// lastApplied is the annotation that client-side kubectl apply keeps: the whole object again.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// StripUnread drops from an object what the operator never reads and what makes most of a
// large group's size in memory: managedFields (a third of it), and kubectl's
// last-applied-configuration annotation (a second copy of the spec, on objects applied with
// client-side kubectl apply). A group's member and admin lists are packed beside the cache
// (see group_packed.go).
func StripUnread(in any) (any, error) {
	out, err := cache.TransformStripManagedFields()(in)
	if o, ok := out.(metav1.Object); ok && err == nil {
		if a := o.GetAnnotations(); a[lastApplied] != "" {
			delete(a, lastApplied)
		}
	}
	if g, ok := out.(*whatsappv1.WhatsAppGroup); ok && err == nil {
		packGroupLists(g)
	}
	return out, err
}

// NamespacedCacheOptions are CacheOptions(shard) restricted to namespaces, when there are any:
// only the groups, providers, Secrets and ConfigMaps there are watched (ClusterWhatsAppProviders
// and Namespaces are cluster-scoped and always are), so that the operator needs permissions in
// those namespaces only. Secrets are also watched in clusterSecretNamespace, where
// ClusterWhatsAppProviders keep their credentials, when it is set.
func NamespacedCacheOptions(shard labels.Selector, namespaces []string, clusterSecretNamespace string) cache.Options {
	o := CacheOptions(shard)
	if len(namespaces) == 0 {
		return o
	}
	o.DefaultNamespaces = map[string]cache.Config{}
	for _, ns := range namespaces {
		o.DefaultNamespaces[ns] = cache.Config{}
	}
	if clusterSecretNamespace != "" {
		secrets := maps.Clone(o.DefaultNamespaces)
		secrets[clusterSecretNamespace] = cache.Config{}
		if o.ByObject == nil {
			o.ByObject = map[client.Object]cache.ByObject{}
		}
		o.ByObject[&corev1.Secret{}] = cache.ByObject{Namespaces: secrets}
	}
	return o
}

// Setup registers the three controllers with the manager. They share one set of account buckets.
func Setup(mgr manager.Manager, o Options) error {
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	accounts := ratelimit.NewAccounts()
	metrics.Observe(mgr.GetCache(), accounts)
	conn := &Connector{Client: mgr.GetClient(), Metadata: mgr.GetCache(), HTTP: o.HTTP, Accounts: accounts, MaxTokenWait: o.MaxTokenWait, ClusterSecretNamespace: o.ClusterResourceNamespace}
	// An account's breaker opening wakes the providers acting through it, which show it.
	trips := map[bool]chan event.GenericEvent{true: make(chan event.GenericEvent, 64), false: make(chan event.GenericEvent, 64)}
	accounts.OnTrip = func(key string) {
		for _, pk := range conn.usersOf(key) {
			obj := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: pk.Namespace, Name: pk.Name}}
			select {
			case trips[pk.Namespace == ""] <- event.GenericEvent{Object: obj}:
			default: // the provider's own recheck shows it later
			}
		}
	}
	opts := func(workers int) ctrl.Options {
		return ctrl.Options{
			MaxConcurrentReconciles: workers,
			RateLimiter:             workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](o.BackoffBase, o.BackoffMax),
		}
	}
	providers := []struct {
		name    string
		cluster bool
		new     func() whatsappv1.ProviderObject
		newList func() client.ObjectList
	}{
		{"whatsappprovider", false, func() whatsappv1.ProviderObject { return &whatsappv1.WhatsAppProvider{} }, func() client.ObjectList { return &whatsappv1.WhatsAppProviderList{} }},
		{"clusterwhatsappprovider", true, func() whatsappv1.ProviderObject { return &whatsappv1.ClusterWhatsAppProvider{} }, func() client.ObjectList { return &whatsappv1.ClusterWhatsAppProviderList{} }},
	}
	for _, p := range providers {
		r := &ProviderReconciler{Client: mgr.GetClient(), Connector: conn, New: p.new, NewList: p.newList, Recheck: o.ProviderRecheck, MinRecheck: o.CredentialsRecheck, Options: opts(2), Trips: trips[p.cluster]}
		if err := r.SetupWithManager(mgr, p.name); err != nil {
			return err
		}
	}
	g := &GroupReconciler{
		Client:           mgr.GetClient(),
		APIReader:        mgr.GetAPIReader(),
		Metadata:         mgr.GetCache(),
		ChangeBackoff:    o.ChangeBackoff,
		MaxChangeBackoff: o.MaxChangeBackoff,
		Connector:        conn,
		Recorder:         mgr.GetEventRecorder("wagov"),
		ConfirmAfter:     o.ConfirmAfter,
		MaxTokenWait:     o.MaxTokenWait,
		Options:          opts(o.GroupConcurrency),
	}
	return g.SetupWithManager(mgr)
}
