package controller

// GroupReconciler watches WhatsAppGroups, the providers they reference, and the Namespaces that
// a ClusterWhatsAppProvider's namespaceSelector admits, and runs one sync per reconcile (see
// group_sync.go): status is computed from the sync's outcome in one place and patched once, at
// the end.

import (
	"context"
	"maps"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/metrics"
)

const providerRefIndex = "wagov.providerRef"

// GroupReconciler reconciles WhatsAppGroups.
type GroupReconciler struct {
	Client client.Client
	// APIReader reads from the kube-apiserver, not the cache: before each write batch a sync
	// checks with it that its provider and Secret still exist, and it reads the Secrets and
	// ConfigMaps that membersFrom and adminsFrom name when they change.
	APIReader client.Reader
	// Metadata reads object metadata from the informer cache (the resourceVersion of list
	// sources).
	Metadata  client.Reader
	Connector *Connector
	Recorder  recorder.EventRecorder
	// ConfirmAfter is how long after writing changes the group is read again to confirm them.
	ConfirmAfter time.Duration
	// MaxTokenWait is the longest a sync waits in place for its account's token bucket; a
	// longer wait requeues the group instead of holding a worker.
	MaxTokenWait time.Duration
	// ChangeBackoff is the first wait before a refused or not-taking-effect change is sent
	// again; it doubles with each attempt up to MaxChangeBackoff.
	ChangeBackoff, MaxChangeBackoff time.Duration
	// Options tune the controller (concurrency, backoff).
	Options ctrl.Options

	lists numberLists
	// started holds the groups this process has synced, so that the first sync of a group
	// already in sync is spread over part of its interval after a start.
	started sync.Map
	// carry holds, per group, the status a sync could not write after its one write.
	carry sync.Map
	// written holds, per group, the resourceVersion of the last status write, until a sync
	// finds the cache showing it (see writtenStatus).
	written sync.Map
}

// +kubebuilder:rbac:groups=whatsapp.wagov.dev,resources=whatsappgroups,verbs=get;list;watch
// +kubebuilder:rbac:groups=whatsapp.wagov.dev,resources=whatsappgroups/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile runs one sync of a group and writes its status at most once.
func (r *GroupReconciler) Reconcile(ctx context.Context, req reconcile.Request) (res reconcile.Result, err error) {
	var cached whatsappv1.WhatsAppGroup
	// Not copied: the sync reads the spec and metadata and changes only its own copy of status.
	if err = r.Client.Get(ctx, req.NamespacedName, &cached, client.UnsafeDisableDeepCopy); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !cached.DeletionTimestamp.IsZero() {
		// Deleting a group never changes the WhatsApp group; another party's finalizer holds it.
		return reconcile.Result{}, nil
	}
	g := cached
	g.Status = *cached.Status.DeepCopy()
	if err = r.startFromWritten(ctx, req.NamespacedName, &g); err != nil {
		return reconcile.Result{}, err
	}
	s := newGroupSync(r, &g, r.takeCarried(req.NamespacedName, g.UID))
	defer func() {
		if perr := s.finish(ctx, res, err != nil); perr != nil && err == nil {
			err = perr
		}
	}()
	return s.run(ctx)
}

// timestampRefresh is how stale lastSyncTime and lastSuccessfulSyncTime may get before a sync
// that changes nothing else writes them: at rest a sync writes nothing to the kube-apiserver.
// The wagov_group_last_successful_sync_timestamp_seconds metric is exact.
const timestampRefresh = time.Hour

// coarsenTimestamps keeps the written timestamps when they are the only change and younger
// than timestampRefresh.
func (s *groupSync) coarsenTimestamps() {
	st, base := &s.g.Status, &s.base.Status
	if !recent(base.LastSyncTime, s.now) || (st.LastSuccessfulSyncTime != nil && !recent(base.LastSuccessfulSyncTime, s.now)) {
		return
	}
	kept := st.DeepCopy()
	kept.LastSyncTime = base.LastSyncTime
	if st.LastSuccessfulSyncTime != nil {
		kept.LastSuccessfulSyncTime = base.LastSuccessfulSyncTime
	}
	if equality.Semantic.DeepEqual(*base, *kept) {
		*st = *kept
	}
}

func recent(t *metav1.Time, now time.Time) bool {
	return t != nil && now.Sub(t.Time) < timestampRefresh
}

func (r *GroupReconciler) forget(key types.NamespacedName) {
	r.started.Delete(key)
	r.carry.Delete(key)
	r.written.Delete(key)
	r.lists.forget(key)
	metrics.LastSuccessfulSync.DeleteLabelValues(key.Namespace, key.Name)
}

// jitter spreads d by up to ±10% so that groups created together do not sync together.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// SetupWithManager registers the controller, its provider index, and its watches.
func (r *GroupReconciler) SetupWithManager(mgr manager.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &whatsappv1.WhatsAppGroup{}, providerRefIndex, func(o client.Object) []string {
		return []string{providerRefKey(o.(*whatsappv1.WhatsAppGroup))}
	}); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &whatsappv1.WhatsAppGroup{}, numberSourcesIndex, numberSources); err != nil {
		return err
	}
	groups, err := mgr.GetCache().GetInformer(context.Background(), &whatsappv1.WhatsAppGroup{})
	if err != nil {
		return err
	}
	// The lists the cache's transform packed go with the group.
	if _, err := groups.AddEventHandler(toolscache.ResourceEventHandlerFuncs{DeleteFunc: groupLists.forget}); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		Named("whatsappgroup").
		For(&whatsappv1.WhatsAppGroup{}, builder.WithPredicates(specOrAnnotationChanged())).
		Watches(&whatsappv1.WhatsAppProvider{}, handler.EnqueueRequestsFromMapFunc(r.groupsForProvider), builder.WithPredicates(providerChanged())).
		Watches(&whatsappv1.ClusterWhatsAppProvider{}, handler.EnqueueRequestsFromMapFunc(r.groupsForProvider), builder.WithPredicates(providerChanged())).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.clusterGroupsInNamespace), builder.OnlyMetadata, builder.WithPredicates(labelsChanged())).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.groupsUsing("Secret")), builder.OnlyMetadata).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.groupsUsing("ConfigMap")), builder.OnlyMetadata).
		WithOptions(r.controllerOptions(mgr.GetLogger())).
		Complete(r)
}

// controllerOptions are r.Options with the per-reconcile logger of logging.go. It is set here,
// not with the builder's WithLogConstructor, which WithOptions would overwrite.
func (r *GroupReconciler) controllerOptions(base logr.Logger) ctrl.Options {
	opts := r.Options
	opts.LogConstructor = requestLogger(base, "whatsappgroup", whatsappv1.GroupVersion.Group, "WhatsAppGroup")
	return opts
}

func providerRefKey(g *whatsappv1.WhatsAppGroup) string {
	if g.Spec.ProviderRef.Kind == kindCluster {
		return kindCluster + "/" + g.Spec.ProviderRef.Name
	}
	return kindNamespaced + "/" + g.Namespace + "/" + g.Spec.ProviderRef.Name
}

const (
	kindNamespaced = "WhatsAppProvider"
	kindCluster    = "ClusterWhatsAppProvider"
)

func (r *GroupReconciler) groupsForProvider(ctx context.Context, p client.Object) []reconcile.Request {
	key := kindNamespaced + "/" + p.GetNamespace() + "/" + p.GetName()
	if p.GetNamespace() == "" {
		key = kindCluster + "/" + p.GetName()
	}
	var groups whatsappv1.WhatsAppGroupList
	if err := r.Client.List(ctx, &groups, client.MatchingFields{providerRefIndex: key}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	return requests(groups.Items, func(*whatsappv1.WhatsAppGroup) bool { return true })
}

// clusterGroupsInNamespace wakes the groups of a namespace that use a ClusterWhatsAppProvider
// when its labels change, since a namespaceSelector may admit or refuse them now.
func (r *GroupReconciler) clusterGroupsInNamespace(ctx context.Context, ns client.Object) []reconcile.Request {
	var groups whatsappv1.WhatsAppGroupList
	if err := r.Client.List(ctx, &groups, client.InNamespace(ns.GetName()), client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	return requests(groups.Items, func(g *whatsappv1.WhatsAppGroup) bool { return g.Spec.ProviderRef.Kind == kindCluster })
}

// requests names groups listed from the cache; the map functions list them without a copy
// (client.UnsafeDisableDeepCopy), since a provider's change may wake every group there is.
func requests(groups []whatsappv1.WhatsAppGroup, keep func(*whatsappv1.WhatsAppGroup) bool) []reconcile.Request {
	reqs := make([]reconcile.Request, 0, len(groups))
	for i := range groups {
		if keep(&groups[i]) {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: groups[i].Namespace, Name: groups[i].Name}})
		}
	}
	return reqs
}

// labelsChanged passes creations and label changes.
func labelsChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc:  func(e event.UpdateEvent) bool { return !maps.Equal(e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels()) },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}
