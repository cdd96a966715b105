package provider

// Describer is implemented by clients that learn something about their account while checking
// it which a person should see, such as which of a provider's documented path sets the server
// answers. The provider controller may append it to the Ready condition's message.
type Describer interface {
	// Describe returns a short clause such as "the server answers the paths of Wasend's SDK",
	// meaningful after a successful CheckAccount; "" when there is nothing to add.
	Describe() string
}
