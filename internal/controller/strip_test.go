package controller_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/controller"
)

// The cache keeps neither managedFields nor kubectl's copy of the applied object, and keeps
// every annotation the operator reads.
func TestStripUnreadKeepsWhatTheOperatorReads(t *testing.T) {
	g := &whatsappv1.WhatsAppGroup{ObjectMeta: metav1.ObjectMeta{
		Name: "g", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
		Annotations: map[string]string{
			"kubectl.kubernetes.io/last-applied-configuration": `{"spec":{"members":["+447700900001"]}}`,
			whatsappv1.ReconcileRequestedAtAnnotation:          "now",
		},
	}}
	out, err := controller.StripUnread(g)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*whatsappv1.WhatsAppGroup)
	// The member lists are packed beside the cache (group_packed_test.go).
	if got.ManagedFields != nil || len(got.Annotations) != 1 || got.Annotations[whatsappv1.ReconcileRequestedAtAnnotation] != "now" {
		t.Errorf("stripped to managedFields %v, annotations %v", got.ManagedFields, got.Annotations)
	}
}
