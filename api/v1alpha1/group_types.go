package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MembershipPolicy says whether members missing from the spec are removed.
// +kubebuilder:validation:Enum=AddOnly;Sync
type MembershipPolicy string

const (
	// MembershipAddOnly adds declared members and never removes anyone.
	MembershipAddOnly MembershipPolicy = "AddOnly"
	// MembershipSync also removes members that the spec does not declare.
	MembershipSync MembershipPolicy = "Sync"
)

// AdminPolicy says whether admins missing from the whitelist are demoted.
// +kubebuilder:validation:Enum=Enforce;PromoteOnly
type AdminPolicy string

const (
	// AdminEnforce promotes whitelisted admins and demotes every other admin.
	AdminEnforce AdminPolicy = "Enforce"
	// AdminPromoteOnly promotes whitelisted admins and never demotes anyone.
	AdminPromoteOnly AdminPolicy = "PromoteOnly"
)

// ReconcileRequestedAtAnnotation asks for an immediate sync when its value changes (any
// string, by convention a timestamp); the value handled is echoed in
// status.lastHandledReconcileAt, as Flux and Crossplane do. A requested sync also retries
// members whose failed adds are backing off.
const ReconcileRequestedAtAnnotation = "whatsapp.wagov.dev/reconcile-requested-at"

// ProviderReference names the provider account a group is managed through.
type ProviderReference struct {
	// kind is WhatsAppProvider (in the group's namespace) or ClusterWhatsAppProvider.
	// +kubebuilder:validation:Enum=WhatsAppProvider;ClusterWhatsAppProvider
	// +kubebuilder:default=WhatsAppProvider
	// +optional
	Kind string `json:"kind,omitempty"`
	// name of the provider object.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// NumberListSource names one key of a Secret or ConfigMap in the group's namespace that holds
// phone numbers: one per line in E.164 form, or a YAML list of them; "#" starts a comment.
type NumberListSource struct {
	// kind is Secret or ConfigMap.
	// +kubebuilder:validation:Enum=Secret;ConfigMap
	Kind string `json:"kind"`
	// name of the Secret or ConfigMap, in the group's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// key of its data that holds the numbers.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
}

// Safety bounds what one sync may take away, so that a bad edit cannot empty a group.
type Safety struct {
	// maxRemovalPercent blocks a sync whose removals plus demotions exceed this share of the
	// group's current members. 100 turns the guard off.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=25
	// +optional
	MaxRemovalPercent *int32 `json:"maxRemovalPercent,omitempty"`
	// minAdmins blocks a sync that would leave the group with fewer admins than this
	// (the creator and the provider's own account count).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1024
	// +kubebuilder:default=1
	// +optional
	MinAdmins *int32 `json:"minAdmins,omitempty"`
}

// WhatsAppGroupSpec declares a WhatsApp group's members and its admin whitelist.
// +kubebuilder:validation:XValidation:rule="(has(self.members) ? size(self.members) : 0) + (has(self.admins) ? size(self.admins.filter(a, !has(self.members) || !(a in self.members))) : 0) <= 1024",message="members and admins together exceed WhatsApp's limit of 1024 participants"
type WhatsAppGroupSpec struct {
	// providerRef names the provider account the group is managed through.
	ProviderRef ProviderReference `json:"providerRef"`
	// groupID is the provider's id for the group: a 2Chat group UUID (WAG…/WGP…) or a
	// WhatsApp group JID (…@g.us).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9@._:-]*$`
	GroupID string `json:"groupID"`
	// members are the phone numbers, in E.164 form (+ and 8 to 15 digits), that must be in the group.
	// +kubebuilder:validation:MaxItems=1024
	// +kubebuilder:validation:items:Pattern=`^\+[1-9][0-9]{7,14}$`
	// +listType=set
	// +optional
	Members []string `json:"members,omitempty"`
	// admins is the admin whitelist, in E.164 form. Admins are members too.
	// +kubebuilder:validation:MaxItems=1024
	// +kubebuilder:validation:items:Pattern=`^\+[1-9][0-9]{7,14}$`
	// +listType=set
	// +optional
	Admins []string `json:"admins,omitempty"`
	// membersFrom adds the numbers of these Secret or ConfigMap keys to members, so that the list
	// can live outside Git (for example in a Secret managed by SOPS or external-secrets). A
	// change to one syncs the group at once. A missing object or key, an empty list or a line
	// that is not a possible phone number stops every write, with a condition saying which.
	// +kubebuilder:validation:MaxItems=16
	// +optional
	MembersFrom []NumberListSource `json:"membersFrom,omitempty"`
	// adminsFrom adds the numbers of these Secret or ConfigMap keys to admins, as membersFrom does
	// to members.
	// +kubebuilder:validation:MaxItems=16
	// +optional
	AdminsFrom []NumberListSource `json:"adminsFrom,omitempty"`
	// membershipPolicy is AddOnly (never remove anyone) or Sync (remove members not declared).
	// +kubebuilder:default=AddOnly
	// +optional
	MembershipPolicy MembershipPolicy `json:"membershipPolicy,omitempty"`
	// adminPolicy is Enforce (demote admins not on the whitelist) or PromoteOnly (never demote).
	// +kubebuilder:default=Enforce
	// +optional
	AdminPolicy AdminPolicy `json:"adminPolicy,omitempty"`
	// interval is how often the group is fully re-checked against the provider, jittered by up
	// to 10%. From 30s to 24h.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('30s') && duration(self) <= duration('24h')",message="interval must be between 30s and 24h"
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`
	// suspend stops all provider calls for this group while true.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
	// dryRun computes the plan and shows it in status.pending without calling anything that writes.
	// +optional
	DryRun bool `json:"dryRun,omitempty"`
	// safety bounds what one sync may take away.
	// +kubebuilder:default={}
	// +optional
	Safety Safety `json:"safety,omitempty"`
}

// PendingChanges lists the changes a sync would make (dry run) or could not make (blocked),
// as E.164 numbers.
type PendingChanges struct {
	// add are members to be added.
	// +optional
	Add []string `json:"add,omitempty"`
	// promote are members to be made admins.
	// +optional
	Promote []string `json:"promote,omitempty"`
	// demote are admins to be made plain members.
	// +optional
	Demote []string `json:"demote,omitempty"`
	// remove are members to be removed.
	// +optional
	Remove []string `json:"remove,omitempty"`
}

// MemberFailure is a per-member outcome that needs a person, such as an add refused by the
// member's privacy settings.
type MemberFailure struct {
	// member is the E.164 number.
	Member string `json:"member"`
	// operation is the change that failed: Add, Promote, Demote or Remove.
	Operation string `json:"operation"`
	// reason is what came of the last attempt: InviteRequired, NotOnWhatsApp, RecentlyLeft,
	// GroupFull or Rejected (the provider refused it), NotTakingEffect (the provider accepted it
	// but a read past its lag still does not show it), or PresentUnresolved (the provider says
	// the member is in the group, but its read shows them only by a hidden id without a number).
	Reason string `json:"reason"`
	// message is what the provider said.
	// +optional
	Message string `json:"message,omitempty"`
	// action is what a person can check or do about it.
	// +optional
	Action string `json:"action,omitempty"`
	// lastSeen is when the provider last reported this outcome.
	LastSeen metav1.Time `json:"lastSeen"`
	// retryAfter is when wagov will try this change again (a capped exponential backoff), unless
	// the member's entry in the spec changes or a reconcile is requested first.
	// +optional
	RetryAfter *metav1.Time `json:"retryAfter,omitempty"`
	// attempts counts how often this outcome was seen in a row.
	// +optional
	Attempts int32 `json:"attempts,omitempty"`
}

// SentChange is a change wagov sent and no read has shown yet. It is kept in status so that a
// restart or a new leader awaits it instead of sending it again.
type SentChange struct {
	// member is the E.164 number.
	Member string `json:"member"`
	// operation is Add, Promote, Demote or Remove.
	Operation string `json:"operation"`
	// sentAt is when the change was sent (or about to be: it is recorded just before the call).
	SentAt metav1.Time `json:"sentAt"`
	// accepted is true when the provider answered that it made the change.
	// +optional
	Accepted bool `json:"accepted,omitempty"`
}

// WhatsAppGroupStatus is what the controller last saw and did.
type WhatsAppGroupStatus struct {
	// observedGeneration is the generation of the spec that this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// conditions are Ready, Reconciling and Stalled, each with a reason.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// lastSyncTime is when the group was last read from the provider. A sync that changes
	// nothing else refreshes it at most hourly, so that a group at rest costs the kube-apiserver
	// no write (the wagov_group_last_successful_sync_timestamp_seconds metric is exact).
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
	// lastSuccessfulSyncTime is when the live group last matched the spec, refreshed at most
	// hourly while nothing else changes.
	// +optional
	LastSuccessfulSyncTime *metav1.Time `json:"lastSuccessfulSyncTime,omitempty"`
	// declaredMembers counts the distinct numbers in members and admins.
	// +optional
	DeclaredMembers int32 `json:"declaredMembers,omitempty"`
	// presentMembers counts the participants in the live group.
	// +optional
	PresentMembers int32 `json:"presentMembers,omitempty"`
	// admins counts the admins in the live group, the creator included.
	// +optional
	Admins int32 `json:"admins,omitempty"`
	// pending are the changes not yet made: what a dry run would do, or what is blocked.
	// +optional
	Pending *PendingChanges `json:"pending,omitempty"`
	// lastHandledReconcileAt is the last value of the whatsapp.wagov.dev/reconcile-requested-at
	// annotation that a sync handled.
	// +optional
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`
	// failures are per-member outcomes that need a person, at most 50, newest first. Each change
	// listed is held back until its retryAfter.
	// +kubebuilder:validation:MaxItems=50
	// +optional
	Failures []MemberFailure `json:"failures,omitempty"`
	// inFlight are the changes sent that no read has shown yet. Each is awaited for the
	// provider's read lag, then confirmed, or recorded in failures as NotTakingEffect.
	// +kubebuilder:validation:MaxItems=4096
	// +optional
	InFlight []SentChange `json:"inFlight,omitempty"`
}

// WhatsAppGroup declares one WhatsApp group's members and admin whitelist; wagov keeps the live
// group that way through the referenced provider account.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=wag,categories=wagov
// +kubebuilder:printcolumn:name="Provider",type=string,JSONPath=`.spec.providerRef.name`
// +kubebuilder:printcolumn:name="Members",type=integer,JSONPath=`.status.presentMembers`
// +kubebuilder:printcolumn:name="Admins",type=integer,JSONPath=`.status.admins`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WhatsAppGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the group.
	Spec WhatsAppGroupSpec `json:"spec"`
	// status is what the controller last saw and did.
	// +optional
	// +kubebuilder:default={observedGeneration:-1}
	Status WhatsAppGroupStatus `json:"status,omitempty"`
}

// WhatsAppGroupList is a list of WhatsAppGroups.
// +kubebuilder:object:root=true
type WhatsAppGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the groups.
	Items []WhatsAppGroup `json:"items"`
}
