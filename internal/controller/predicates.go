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

// providerChanged passes provider updates that matter to its groups: a spec change, the
// provider controller observing a new spec, a flip of its Ready condition, or new labels.
// Periodic re-checks that change nothing else are filtered out, so that they cost the groups
// no extra reads.
func providerChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() ||
				readiness(e.ObjectOld) != readiness(e.ObjectNew) ||
				!maps.Equal(e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels())
		},
	}
}

// readiness is what a group reads of its provider: the generation the provider controller
// observed and its Ready status.
type readinessState struct {
	observed int64
	ready    string
}

func readiness(o client.Object) readinessState {
	p, ok := o.(whatsappv1.ProviderObject)
	if !ok {
		return readinessState{}
	}
	st := readinessState{observed: p.ProviderStatus().ObservedGeneration}
	if c := apimeta.FindStatusCondition(p.ProviderStatus().Conditions, whatsappv1.ConditionReady); c != nil {
		st.ready = string(c.Status)
	}
	return st
}
