package v1alpha1

// Condition types, in the kstatus convention that kubectl wait, Flux and Argo CD read.
const (
	// ConditionReady is True when the live group matches the spec within its policies, or, on a
	// provider, when its credentials resolved and a read call succeeded.
	ConditionReady = "Ready"
	// ConditionReconciling is True while changes are in flight.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when progress needs a person: a guard blocked the sync or the
	// provider refused the account.
	ConditionStalled = "Stalled"
	// ConditionWritesPaused is True on a provider while its account's write circuit breaker is
	// open: the session dropped right after writes, so no group of the account writes until the
	// cool-down passes or a person edits the provider.
	ConditionWritesPaused = "WritesPaused"
)

// Reasons on WhatsAppGroup conditions.
const (
	// ReasonInSync surfaces when the live group matches the spec.
	ReasonInSync = "InSync"
	// ReasonApplying surfaces when a sync wrote changes and waits to see them in a fresh read.
	ReasonApplying = "Applying"
	// ReasonDryRun surfaces when changes are pending but dryRun forbids writing them.
	ReasonDryRun = "DryRun"
	// ReasonSafetyGuard surfaces when maxRemovalPercent or minAdmins blocked the plan.
	ReasonSafetyGuard = "SafetyGuard"
	// ReasonNotGroupAdmin surfaces when the provider's account is not an admin of the group.
	ReasonNotGroupAdmin = "NotGroupAdmin"
	// ReasonGroupNotFound surfaces when the provider does not know the group id.
	ReasonGroupNotFound = "GroupNotFound"
	// ReasonMemberFailures surfaces when some members could not be changed and need a person
	// (see status.failures).
	ReasonMemberFailures = "MemberFailures"
	// ReasonProviderNotFound surfaces when providerRef names no provider.
	ReasonProviderNotFound = "ProviderNotFound"
	// ReasonProviderNotAllowed surfaces when a ClusterWhatsAppProvider does not admit the
	// group's namespace.
	ReasonProviderNotAllowed = "ProviderNotAllowed"
	// ReasonProviderNotReady surfaces when the provider is not Ready; the group waits for it.
	ReasonProviderNotReady = "ProviderNotReady"
	// ReasonProviderError surfaces when the provider failed a call; the sync is retried with backoff.
	ReasonProviderError = "ProviderError"
	// ReasonRateLimited surfaces when the provider answered 429; the sync resumes after Retry-After.
	ReasonRateLimited = "RateLimited"
	// ReasonChangesNotTakingEffect surfaces when changes the provider accepted do not show in a
	// read past its lag; they back off (see status.failures) instead of being sent again.
	ReasonChangesNotTakingEffect = "ChangesNotTakingEffect"
	// ReasonWritesPaused surfaces when the account's write circuit breaker is open (see the
	// provider's WritesPaused condition); the group is read, not written, until it closes.
	ReasonWritesPaused = "WritesPaused"
	// ReasonMemberListUnavailable surfaces when a membersFrom or adminsFrom source is missing,
	// lacks its key, is empty, or holds a line that is not a possible phone number; nothing is
	// written until it is fixed.
	ReasonMemberListUnavailable = "MemberListUnavailable"
	// ReasonRosterUnknown surfaces when the provider returned an empty roster, which wagov reads
	// as unknown, never as "everyone left".
	ReasonRosterUnknown = "RosterUnknown"
)

// Reasons on provider conditions.
const (
	// ReasonAccountReady surfaces when the credentials resolved and a read call succeeded.
	ReasonAccountReady = "AccountReady"
	// ReasonSecretNotFound surfaces when the credentials Secret or its key is missing.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonInvalidCredentials surfaces when the provider rejected the credentials.
	ReasonInvalidCredentials = "InvalidCredentials"
	// ReasonInvalidSpec surfaces when the spec cannot be used, such as an unsupported type.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonSessionDropped surfaces on WritesPaused when the session failed right after writes.
	ReasonSessionDropped = "SessionDroppedAfterWrites"
	// ReasonAccountUnavailable surfaces when the provider could not be reached or the account's
	// session is not connected.
	ReasonAccountUnavailable = "AccountUnavailable"
)

// Event reasons, as design.md names them.
const (
	EventMemberAdded   = "MemberAdded"
	EventMemberRemoved = "MemberRemoved"
	EventAdminPromoted = "AdminPromoted"
	EventAdminDemoted  = "AdminDemoted"
	EventSyncBlocked   = "SyncBlocked"
	EventRateLimited   = "RateLimited"
	EventProviderError = "ProviderError"
)
