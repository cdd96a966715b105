package provider

import "github.com/wagov/wagov/internal/roster"

// Describer is implemented by clients that learn something about their account while checking
// it which a person should see, such as which of a provider's documented path sets the server
// answers. The provider controller may append it to the Ready condition's message.
type Describer interface {
	// Describe returns a short clause such as "the server answers the paths of Wasend's SDK",
	// meaningful after a successful CheckAccount; "" when there is nothing to add.
	Describe() string
}

// Identity is implemented by clients that know which number their account acts as once
// CheckAccount succeeded (a documented session or device read, or the configured number). The
// provider controller shows it in the Ready message; ReadGroup reports it as roster.Group.Self.
type Identity interface {
	// OwnNumber is the account's own number, "" when the provider did not say.
	OwnNumber() roster.Phone
}
