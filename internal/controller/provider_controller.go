package controller

// ProviderReconciler watches WhatsAppProviders or ClusterWhatsAppProviders and the Secrets they
// name, and sets Ready once the credentials resolve and one read call (provider.CheckAccount)
// succeeds. Rejected credentials are checked again with a growing backoff (and at once when the
// provider or its Secret changes). It also shows the account's write circuit breaker as the
// WritesPaused condition, and closes it when a person edits the provider.

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/provider"
)

const secretIndex = "wagov.credentialsSecret"

// ProviderReconciler reconciles one of the two provider kinds.
type ProviderReconciler struct {
	Client    client.Client
	Connector *Connector
	// New returns an empty object of the kind reconciled.
	New func() whatsappv1.ProviderObject
	// NewList returns an empty list of the kind reconciled.
	NewList func() client.ObjectList
	// Recheck is how often a Ready account is checked again.
	Recheck time.Duration
	// MinRecheck is the first wait before rejected credentials are checked again; the wait
	// grows with the time they have been rejected (so the checks double), up to Recheck.
	MinRecheck time.Duration
	// Options tune the controller (concurrency, backoff).
	Options ctrl.Options
	// Trips carries the providers whose account's write breaker just opened.
	Trips <-chan event.GenericEvent
}

// +kubebuilder:rbac:groups=whatsapp.wagov.dev,resources=whatsappproviders;clusterwhatsappproviders,verbs=get;list;watch
// +kubebuilder:rbac:groups=whatsapp.wagov.dev,resources=whatsappproviders/status;clusterwhatsappproviders/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// Reconcile checks one provider account.
func (r *ProviderReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	obj := r.New()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.Connector.Forget(req.NamespacedName)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	before := obj.ProviderStatus().DeepCopy()
	res, checkErr := r.check(ctx, obj)
	st := obj.ProviderStatus()
	st.ObservedGeneration = obj.GetGeneration()
	if !equality.Semantic.DeepEqual(before, st) {
		if err := r.Client.Status().Update(ctx, obj); err != nil {
			return reconcile.Result{}, err
		}
	}
	return res, checkErr
}

func (r *ProviderReconciler) check(ctx context.Context, obj whatsappv1.ProviderObject) (reconcile.Result, error) {
	st := obj.ProviderStatus()
	setReady := func(s metav1.ConditionStatus, reason, msg string) {
		apimeta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type: whatsappv1.ConditionReady, Status: s, Reason: reason, Message: msg, ObservedGeneration: obj.GetGeneration(),
		})
		// Stalled (kstatus: Failed) when only a person can fix it.
		if s == metav1.ConditionFalse && needsPerson(reason) {
			apimeta.SetStatusCondition(&st.Conditions, metav1.Condition{
				Type: whatsappv1.ConditionStalled, Status: metav1.ConditionTrue, Reason: reason, Message: msg, ObservedGeneration: obj.GetGeneration(),
			})
		} else {
			apimeta.RemoveStatusCondition(&st.Conditions, whatsappv1.ConditionStalled)
		}
	}
	conn, err := r.Connector.Connect(ctx, obj)
	if err != nil {
		var ce *connectError
		if errors.As(err, &ce) {
			// The Secret watch or a spec change brings the provider back; the requeue is the floor.
			setReady(metav1.ConditionFalse, ce.reason, ce.Error())
			return reconcile.Result{RequeueAfter: r.Recheck}, nil
		}
		return reconcile.Result{}, err
	}
	if st.ObservedGeneration != obj.GetGeneration() {
		// A person edited the provider: that is the act the write breaker waits for.
		conn.Account.ResetBreaker()
	}
	res, err := r.checkAccount(ctx, obj, conn, setReady)
	return r.showBreaker(obj, conn, res), err
}

// showBreaker sets or removes WritesPaused and makes sure the provider is looked at again when
// the breaker's cool-down ends.
func (r *ProviderReconciler) showBreaker(obj whatsappv1.ProviderObject, conn *Connection, res reconcile.Result) reconcile.Result {
	st := obj.ProviderStatus()
	until, reason, blocked := conn.Account.WritesBlocked()
	if !blocked {
		apimeta.RemoveStatusCondition(&st.Conditions, whatsappv1.ConditionWritesPaused)
		return res
	}
	apimeta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: whatsappv1.ConditionWritesPaused, Status: metav1.ConditionTrue, Reason: whatsappv1.ReasonSessionDropped, ObservedGeneration: obj.GetGeneration(),
		Message: fmt.Sprintf("the session failed right after writes (%s); no group writes on this account until %s, or until the provider is edited", reason, until.UTC().Format(time.RFC3339)),
	})
	if d := time.Until(until) + time.Second; res.RequeueAfter == 0 || d < res.RequeueAfter {
		res.RequeueAfter = d
	}
	return res
}

// checkAccount makes the provider's read call and sets Ready from its answer.
func (r *ProviderReconciler) checkAccount(ctx context.Context, obj whatsappv1.ProviderObject, conn *Connection, setReady func(metav1.ConditionStatus, string, string)) (reconcile.Result, error) {
	err := conn.Client.CheckAccount(ctx)
	if wait, held := provider.BudgetWait(err); held {
		return reconcile.Result{RequeueAfter: max(wait, time.Millisecond)}, nil
	}
	now := metav1.Now()
	obj.ProviderStatus().LastCheckedTime = &now
	if errors.Is(err, provider.ErrUnavailable) || errors.Is(err, provider.ErrUnauthorized) {
		conn.Account.SessionTrouble(err.Error())
	}
	if !errors.Is(err, provider.ErrRateLimited) {
		conn.Account.Answered()
	}
	switch {
	case err == nil:
		msg := "credentials accepted and the account answered a read call"
		if id, ok := conn.Client.(provider.Identity); ok && id.OwnNumber() != "" {
			msg += "; acts as " + id.OwnNumber().E164()
		} else {
			msg += "; the provider does not say which number it acts as, so no admin is demoted or removed"
		}
		if d, ok := conn.Client.(provider.Describer); ok && d.Describe() != "" {
			msg += "; " + d.Describe()
		}
		setReady(metav1.ConditionTrue, whatsappv1.ReasonAccountReady, msg)
		return reconcile.Result{RequeueAfter: r.Recheck}, nil
	case errors.Is(err, provider.ErrUnauthorized):
		setReady(metav1.ConditionFalse, whatsappv1.ReasonInvalidCredentials, "the provider rejected the credentials; fix the Secret's key (wagov checks again at once, and with a growing backoff meanwhile)")
		return reconcile.Result{RequeueAfter: r.credentialsRecheck(obj, now.Time)}, nil
	case errors.Is(err, provider.ErrRateLimited):
		ra, _ := provider.RetryAfter(err)
		d := conn.Account.RateLimited(ra)
		setReady(metav1.ConditionFalse, whatsappv1.ReasonAccountUnavailable, err.Error())
		return reconcile.Result{RequeueAfter: d}, nil
	default:
		setReady(metav1.ConditionFalse, whatsappv1.ReasonAccountUnavailable, err.Error())
		// Returned so that the controller's capped exponential backoff spaces the retries.
		return reconcile.Result{}, err
	}
}

// credentialsRecheck is when to check rejected credentials again: as long again as they have
// been rejected (so the checks double), from MinRecheck up to Recheck.
func (r *ProviderReconciler) credentialsRecheck(obj whatsappv1.ProviderObject, now time.Time) time.Duration {
	d := max(r.MinRecheck, time.Second)
	if c := apimeta.FindStatusCondition(obj.ProviderStatus().Conditions, whatsappv1.ConditionReady); c != nil {
		d = max(d, now.Sub(c.LastTransitionTime.Time))
	}
	return min(d, max(r.Recheck, d))
}

// SetupWithManager registers the controller and the Secret index it watches through.
func (r *ProviderReconciler) SetupWithManager(mgr manager.Manager, name string) error {
	proto := r.New()
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), proto, secretIndex, func(o client.Object) []string {
		return []string{secretIndexKey(o.(whatsappv1.ProviderObject))}
	}); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		Named(name).
		For(proto, builder.WithPredicates(specOrAnnotationChanged())).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.providersForSecret), builder.OnlyMetadata).
		WatchesRawSource(source.Channel(r.Trips, &handler.EnqueueRequestForObject{})).
		WithOptions(r.Options).
		Complete(r)
}

func (r *ProviderReconciler) providersForSecret(ctx context.Context, s client.Object) []reconcile.Request {
	list := r.NewList()
	if err := r.Client.List(ctx, list, client.MatchingFields{secretIndex: s.GetNamespace() + "/" + s.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	_ = apimeta.EachListItem(list, func(o runtime.Object) error {
		co := o.(client.Object)
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: co.GetNamespace(), Name: co.GetName()}})
		return nil
	})
	return reqs
}
