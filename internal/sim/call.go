package sim

import "time"

// The operation names used in the call log and in fault matching.
const (
	// OpRead reads one group with its participants.
	OpRead = "read"
	// OpAccount reads the account itself, such as 2Chat's list of connected numbers.
	OpAccount = "account"
	// OpList lists the account's groups.
	OpList = "list"
	// OpAdd adds participants.
	OpAdd = "add"
	// OpRemove removes participants.
	OpRemove = "remove"
	// OpPromote makes participants admins.
	OpPromote = "promote"
	// OpDemote takes admin rights away.
	OpDemote = "demote"
	// OpUnknown is any path the dialect does not serve.
	OpUnknown = "unknown"
)

// knownOps are the operation names a Fault may match.
var knownOps = map[string]bool{
	OpRead: true, OpAccount: true, OpList: true, OpAdd: true,
	OpRemove: true, OpPromote: true, OpDemote: true, OpUnknown: true,
}

// Call is one provider request as the simulator answered it. The call log never holds a
// credential.
type Call struct {
	// Time is when the request arrived, by the simulator's clock.
	Time time.Time `json:"time"`
	// Provider is the dialect that served it, such as "TwoChat"; empty for a path no dialect owns.
	Provider string `json:"provider"`
	// Account is the seed account's name; empty when authentication failed.
	Account string `json:"account"`
	// Op is the operation, one of the Op constants.
	Op string `json:"op"`
	// Group is the group id named in the path, if any.
	Group string `json:"group,omitempty"`
	// Method is the HTTP method.
	Method string `json:"method"`
	// Path is the URL path, without the query.
	Path string `json:"path"`
	// Status is the HTTP status sent; 0 when the client went away before an answer.
	Status int `json:"status"`
	// Members counts the participants in the request body.
	Members int `json:"members"`
}
