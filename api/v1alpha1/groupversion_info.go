// Package v1alpha1 holds the whatsapp.wagov.dev/v1alpha1 API: WhatsAppGroup, WhatsAppProvider
// and ClusterWhatsAppProvider.
// +kubebuilder:object:generate=true
// +groupName=whatsapp.wagov.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is the group and version of every kind in this package.
var GroupVersion = schema.GroupVersion{Group: "whatsapp.wagov.dev", Version: "v1alpha1"}

var schemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

// AddToScheme registers this package's kinds with a scheme.
var AddToScheme = schemeBuilder.AddToScheme

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion,
		&WhatsAppGroup{}, &WhatsAppGroupList{},
		&WhatsAppProvider{}, &WhatsAppProviderList{},
		&ClusterWhatsAppProvider{}, &ClusterWhatsAppProviderList{},
	)
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}
