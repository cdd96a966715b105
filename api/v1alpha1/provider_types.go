package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ProviderType names a WhatsApp API provider whose group API wagov speaks.
// +kubebuilder:validation:Enum=TwoChat;Wasend;Wawp;WAHA;Evolution;GOWA;QuickGateway
type ProviderType string

// The provider types. Each has its own client package under internal/provider.
const (
	// ProviderTwoChat is 2Chat's hosted API (api.p.2chat.io).
	ProviderTwoChat ProviderType = "TwoChat"
	// ProviderWasend is Wasend's hosted API (api.wasend.dev).
	ProviderWasend ProviderType = "Wasend"
	// ProviderWawp is Wawp's hosted WAHA (api.wawp.net).
	ProviderWawp ProviderType = "Wawp"
	// ProviderWAHA is a self-hosted WAHA server.
	ProviderWAHA ProviderType = "WAHA"
	// ProviderEvolution is a self-hosted Evolution API v2 server.
	ProviderEvolution ProviderType = "Evolution"
	// ProviderGOWA is a self-hosted go-whatsapp-web-multidevice server.
	ProviderGOWA ProviderType = "GOWA"
	// ProviderQuickGateway is a self-hosted quick-whatsapp-gateway.
	ProviderQuickGateway ProviderType = "QuickGateway"
)

// SecretKeyRef points at one key of a Secret.
type SecretKeyRef struct {
	// name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// key inside the Secret's data whose value is the credential.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:default=apiKey
	// +optional
	Key string `json:"key,omitempty"`
	// namespace of the Secret. Only a ClusterWhatsAppProvider names one (and must); a
	// WhatsAppProvider reads Secrets in its own namespace only.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// RateLimit is the request budget of one provider account, shared by every group that uses it.
type RateLimit struct {
	// requestsPerMinute is the sustained rate of provider calls, reads and writes together.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=6000
	// +kubebuilder:default=60
	// +optional
	RequestsPerMinute int32 `json:"requestsPerMinute,omitempty"`
	// burst is how many calls may go at once after a quiet spell.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=5
	// +optional
	Burst int32 `json:"burst,omitempty"`
}

// AddRateLimit paces the adds of one provider account, beside its request budget. WhatsApp
// restricts numbers that add many people quickly; community reports put the safe pace at about
// one add every 10 seconds.
type AddRateLimit struct {
	// addsPerMinute is the sustained rate of members added, over every group of the account.
	// Adds are spread with a random gap of up to half an add's share of the minute; one call
	// carries at most ten seconds' worth of adds (at least one member).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=6000
	// +kubebuilder:default=6
	// +optional
	AddsPerMinute int32 `json:"addsPerMinute,omitempty"`
	// addsPerDay is the most members added in a day (per operator process: a restart starts a
	// new day's allowance).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000000
	// +kubebuilder:default=500
	// +optional
	AddsPerDay int32 `json:"addsPerDay,omitempty"`
}

// ProviderSpec says how to reach one provider account. WhatsAppProvider and
// ClusterWhatsAppProvider share it.
// +kubebuilder:validation:XValidation:rule="self.type in ['TwoChat','Wasend','Wawp'] || has(self.endpoint)",message="endpoint is required for self-hosted provider types (WAHA, Evolution, GOWA, QuickGateway)"
// +kubebuilder:validation:XValidation:rule="!has(self.endpoint) || !self.endpoint.startsWith('http://') || (has(self.allowInsecureHTTP) && self.allowInsecureHTTP)",message="plain http:// endpoints need allowInsecureHTTP: true"
type ProviderSpec struct {
	// type is the provider whose API this account lives on.
	Type ProviderType `json:"type"`
	// endpoint is the base URL of the provider's API. It defaults to the public API for the
	// hosted types (TwoChat, Wasend, Wawp) and is required for the self-hosted ones.
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// account is what the calls act as: the connected number in E.164 for TwoChat
	// (from_number), the session id for Wasend and QuickGateway, the instance_id for Wawp,
	// the session name for WAHA, the instance name for Evolution, the device id for GOWA.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Account string `json:"account"`
	// credentialsRef names the Secret key holding the API key (GOWA: "user:password").
	CredentialsRef SecretKeyRef `json:"credentialsRef"`
	// rateLimit is this account's request budget, shared by every group that uses it.
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`
	// addRateLimit paces adds, beside rateLimit: by default 6 members a minute and 500 a day.
	// +kubebuilder:default={}
	// +optional
	AddRateLimit *AddRateLimit `json:"addRateLimit,omitempty"`
	// maxBatchSize is how many participants one write call carries. It is capped at the type's
	// documented maximum (TwoChat 10; 1 where the API takes one member per call).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	MaxBatchSize *int32 `json:"maxBatchSize,omitempty"`
	// allowInsecureHTTP permits a plain http:// endpoint. Leave it false outside a lab.
	// +optional
	AllowInsecureHTTP bool `json:"allowInsecureHTTP,omitempty"`
}

// ProviderStatus is what the provider controller last saw of the account.
type ProviderStatus struct {
	// observedGeneration is the generation of the spec that this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// conditions hold Ready: true once the credentials resolved and a read call succeeded.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// lastCheckedTime is when the account was last checked with a read call.
	// +optional
	LastCheckedTime *metav1.Time `json:"lastCheckedTime,omitempty"`
}

// WhatsAppProvider is one WhatsApp API provider account, usable by WhatsAppGroups in its own
// namespace. Its credentials Secret must live in the same namespace.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=wap,categories=wagov
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Account",type=string,JSONPath=`.spec.account`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WhatsAppProvider struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says how to reach the account.
	// +kubebuilder:validation:XValidation:rule="!has(self.credentialsRef.__namespace__)",message="a WhatsAppProvider reads its Secret from its own namespace: leave credentialsRef.namespace empty, or use a ClusterWhatsAppProvider"
	Spec ProviderSpec `json:"spec"`
	// status is what the controller last saw of it.
	// +optional
	// +kubebuilder:default={observedGeneration:-1}
	Status ProviderStatus `json:"status,omitempty"`
}

// WhatsAppProviderList is a list of WhatsAppProviders.
// +kubebuilder:object:root=true
type WhatsAppProviderList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the providers.
	Items []WhatsAppProvider `json:"items"`
}

// ClusterProviderSpec is ProviderSpec for a cluster-scoped provider: the Secret's namespace is
// named, and the namespaces whose groups may use the account are restricted.
// +kubebuilder:validation:XValidation:rule="has(self.credentialsRef.__namespace__)",message="credentialsRef.namespace is required for a ClusterWhatsAppProvider"
type ClusterProviderSpec struct {
	ProviderSpec `json:",inline"`
	// allowedNamespaces lists the namespaces whose groups may use this provider. With neither
	// this nor namespaceSelector set, every namespace may.
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=63
	// +listType=set
	// +optional
	AllowedNamespaces []string `json:"allowedNamespaces,omitempty"`
	// namespaceSelector admits the namespaces whose labels match, in addition to allowedNamespaces.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
}

// ClusterWhatsAppProvider is a WhatsApp API provider account that groups in many namespaces may
// use, restricted by allowedNamespaces and namespaceSelector.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=cwap,categories=wagov
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Account",type=string,JSONPath=`.spec.account`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ClusterWhatsAppProvider struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says how to reach the account and who may use it.
	Spec ClusterProviderSpec `json:"spec"`
	// status is what the controller last saw of it.
	// +optional
	// +kubebuilder:default={observedGeneration:-1}
	Status ProviderStatus `json:"status,omitempty"`
}

// ClusterWhatsAppProviderList is a list of ClusterWhatsAppProviders.
// +kubebuilder:object:root=true
type ClusterWhatsAppProviderList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the providers.
	Items []ClusterWhatsAppProvider `json:"items"`
}

// ProviderObject is what the controllers need of either provider kind.
// +kubebuilder:object:generate=false
type ProviderObject interface {
	metav1.Object
	runtime.Object
	// ProviderSpec returns the connection settings shared by both kinds.
	ProviderSpec() *ProviderSpec
	// ProviderStatus returns the status, for reading and writing.
	ProviderStatus() *ProviderStatus
	// SecretNamespace is where the credentials Secret must be.
	SecretNamespace() string
}

// ProviderSpec implements ProviderObject.
func (p *WhatsAppProvider) ProviderSpec() *ProviderSpec { return &p.Spec }

// ProviderStatus implements ProviderObject.
func (p *WhatsAppProvider) ProviderStatus() *ProviderStatus { return &p.Status }

// SecretNamespace implements ProviderObject: a namespaced provider reads only its own namespace.
func (p *WhatsAppProvider) SecretNamespace() string { return p.Namespace }

// ProviderSpec implements ProviderObject.
func (p *ClusterWhatsAppProvider) ProviderSpec() *ProviderSpec { return &p.Spec.ProviderSpec }

// ProviderStatus implements ProviderObject.
func (p *ClusterWhatsAppProvider) ProviderStatus() *ProviderStatus { return &p.Status }

// SecretNamespace implements ProviderObject.
func (p *ClusterWhatsAppProvider) SecretNamespace() string { return p.Spec.CredentialsRef.Namespace }
