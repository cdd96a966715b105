package controller

// ProviderReconciler watches WhatsAppProviders or ClusterWhatsAppProviders and the Secrets they
// name, and sets Ready once the credentials resolve and one read call (provider.CheckAccount)
// succeeds. Bad credentials are not retried until the provider or its Secret changes.

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

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
	// Options tune the controller (concurrency, backoff).
	Options ctrl.Options
}

// +kubebuilder:rbac:groups=whatsapp.wagov.dev,resources=whatsappproviders;clusterwhatsappproviders,verbs=get;list;watch
// +kubebuilder:rbac:groups=whatsapp.wagov.dev,resources=whatsappproviders/status;clusterwhatsappproviders/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// Reconcile checks one provider account.
func (r *ProviderReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	obj := r.New()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
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
			// The Secret watch or a spec change brings the provider back; nothing to retry.
			setReady(metav1.ConditionFalse, ce.reason, ce.Error())
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, err
	}
	wait, err := conn.Account.Take(ctx, 1, 5*time.Second)
	if err != nil {
		return reconcile.Result{}, err
	}
	if wait > 0 {
		return reconcile.Result{RequeueAfter: wait}, nil
	}
	err = conn.Client.CheckAccount(ctx)
	now := metav1.Now()
	st.LastCheckedTime = &now
	switch {
	case err == nil:
		msg := "credentials accepted and the account answered a read call"
		if d, ok := conn.Client.(provider.Describer); ok && d.Describe() != "" {
			msg += "; " + d.Describe()
		}
		setReady(metav1.ConditionTrue, whatsappv1.ReasonAccountReady, msg)
		return reconcile.Result{RequeueAfter: r.Recheck}, nil
	case errors.Is(err, provider.ErrUnauthorized):
		setReady(metav1.ConditionFalse, whatsappv1.ReasonInvalidCredentials, "the provider rejected the credentials; fix the Secret's key and wagov checks again")
		return reconcile.Result{}, nil
	case errors.Is(err, provider.ErrRateLimited):
		d, _ := provider.RetryAfter(err)
		d = min(max(d, time.Second), maxRetryAfter)
		conn.Account.Pause(time.Now().Add(d))
		setReady(metav1.ConditionFalse, whatsappv1.ReasonAccountUnavailable, err.Error())
		return reconcile.Result{RequeueAfter: d}, nil
	default:
		setReady(metav1.ConditionFalse, whatsappv1.ReasonAccountUnavailable, err.Error())
		// Returned so that the controller's capped exponential backoff spaces the retries.
		return reconcile.Result{}, err
	}
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
		WithOptions(r.Options).
		Complete(r)
}

func (r *ProviderReconciler) providersForSecret(ctx context.Context, s client.Object) []reconcile.Request {
	list := r.NewList()
	if err := r.Client.List(ctx, list, client.MatchingFields{secretIndex: s.GetNamespace() + "/" + s.GetName()}); err != nil {
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
