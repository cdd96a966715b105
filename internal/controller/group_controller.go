package controller

// GroupReconciler watches WhatsAppGroups, and the providers they reference, and runs one sync
// per reconcile: read the live group once, plan (internal/plan), guard, apply in batches
// through the account's token bucket, record outcomes, and patch status once at the end.

import (
	"context"
	"math/rand/v2"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/metrics"
)

const providerRefIndex = "wagov.providerRef"

// GroupReconciler reconciles WhatsAppGroups.
type GroupReconciler struct {
	Client    client.Client
	Connector *Connector
	Recorder  recorder.EventRecorder
	// ConfirmAfter is how long after writing changes the group is read again to confirm them.
	ConfirmAfter time.Duration
	// MaxTokenWait is the longest a sync waits in place for its account's token bucket; a
	// longer wait requeues the group instead of holding a worker.
	MaxTokenWait time.Duration
	// Options tune the controller (concurrency, backoff).
	Options ctrl.Options

	conditions metrics.GroupConditions
	inFlight   inFlight
}

// +kubebuilder:rbac:groups=whatsapp.wagov.dev,resources=whatsappgroups,verbs=get;list;watch
// +kubebuilder:rbac:groups=whatsapp.wagov.dev,resources=whatsappgroups/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile runs one sync of a group and patches its status if the sync changed it.
func (r *GroupReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var g whatsappv1.WhatsAppGroup
	if err := r.Client.Get(ctx, req.NamespacedName, &g); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.inFlight.forget(req.NamespacedName)
			r.conditions.Set(req.String(), "", "")
			metrics.LastSuccessfulSync.DeleteLabelValues(req.Namespace, req.Name)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if g.Spec.Suspend {
		// No provider call; only record that the suspended spec was seen, so that kstatus
		// does not read the group as forever in progress.
		if g.Status.ObservedGeneration != g.Generation {
			orig := g.DeepCopy()
			g.Status.ObservedGeneration = g.Generation
			return reconcile.Result{}, r.Client.Status().Patch(ctx, &g, client.MergeFrom(orig))
		}
		return reconcile.Result{}, nil
	}
	orig := g.DeepCopy()
	s := &groupSync{r: r, g: &g, now: time.Now()}
	res, err := s.run(ctx)
	g.Status.ObservedGeneration = g.Generation
	if req, ok := g.Annotations[whatsappv1.ReconcileRequestedAtAnnotation]; ok {
		g.Status.LastHandledReconcileAt = req
	}
	if ready := apimeta.FindStatusCondition(g.Status.Conditions, whatsappv1.ConditionReady); ready != nil {
		r.conditions.Set(req.String(), string(ready.Status), ready.Reason)
	}
	if g.Status.LastSuccessfulSyncTime != nil {
		metrics.LastSuccessfulSync.WithLabelValues(g.Namespace, g.Name).Set(float64(g.Status.LastSuccessfulSyncTime.Unix()))
	}
	if !equality.Semantic.DeepEqual(orig.Status, g.Status) {
		if perr := r.Client.Status().Patch(ctx, &g, client.MergeFrom(orig)); perr != nil {
			return reconcile.Result{}, perr
		}
	}
	return res, err
}

// jitter spreads d by up to ±10% so that groups created together do not sync together.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// SetupWithManager registers the controller, its provider index, and the provider watches.
func (r *GroupReconciler) SetupWithManager(mgr manager.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &whatsappv1.WhatsAppGroup{}, providerRefIndex, func(o client.Object) []string {
		return []string{providerRefKey(o.(*whatsappv1.WhatsAppGroup))}
	}); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		Named("whatsappgroup").
		For(&whatsappv1.WhatsAppGroup{}, builder.WithPredicates(specOrAnnotationChanged())).
		Watches(&whatsappv1.WhatsAppProvider{}, handler.EnqueueRequestsFromMapFunc(r.groupsForProvider), builder.WithPredicates(providerReadinessChanged())).
		Watches(&whatsappv1.ClusterWhatsAppProvider{}, handler.EnqueueRequestsFromMapFunc(r.groupsForProvider), builder.WithPredicates(providerReadinessChanged())).
		WithOptions(r.Options).
		Complete(r)
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
	if err := r.Client.List(ctx, &groups, client.MatchingFields{providerRefIndex: key}); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(groups.Items))
	for _, g := range groups.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: g.Namespace, Name: g.Name}})
	}
	return reqs
}
