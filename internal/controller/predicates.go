package controller

import (
	"maps"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

// specOrAnnotationChanged passes creations, deletions, spec changes (generation) and annotation
// changes (reconcile-requested-at), but not the controller's own status writes.
func specOrAnnotationChanged() predicate.Predicate {
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})
}

// providerReadinessChanged passes provider updates that matter to its groups: a spec change or a
// flip of its Ready condition. Periodic re-checks that change nothing else are filtered out, so
// that they cost the groups no extra reads.
func providerReadinessChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			if e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() {
				return true
			}
			return readyStatus(e.ObjectOld) != readyStatus(e.ObjectNew) || !maps.Equal(e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels())
		},
	}
}

func readyStatus(o client.Object) string {
	p, ok := o.(whatsappv1.ProviderObject)
	if !ok {
		return ""
	}
	c := apimeta.FindStatusCondition(p.ProviderStatus().Conditions, whatsappv1.ConditionReady)
	if c == nil {
		return ""
	}
	return string(c.Status)
}
