package sim

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// Seed describes a whole simulated world: the provider accounts, the WhatsApp users with
// special traits, and the groups. It is read from YAML or JSON.
type Seed struct {
	// ReadLag, when set, is how far reads trail writes (see WithReadLag).
	ReadLag *Duration `json:"readLag,omitempty"`
	// Accounts are the provider accounts that may call the simulator.
	Accounts []Account `json:"accounts,omitempty"`
	// People are WhatsApp users with special traits; every other valid number is an ordinary
	// registered user.
	People []Person `json:"people,omitempty"`
	// Groups are the WhatsApp groups.
	Groups []SeedGroup `json:"groups,omitempty"`
}

// Account is one provider account: a credential and the WhatsApp numbers it drives.
type Account struct {
	// Name labels the account in the call log.
	Name string `json:"name"`
	// Type is the provider type whose dialect the account speaks, such as "TwoChat".
	Type string `json:"type"`
	// APIKey is the credential the dialect expects (2Chat: the X-User-API-Key header).
	APIKey string `json:"apiKey"`
	// Numbers are the connected WhatsApp numbers of the account, in E.164. For the types
	// whose account is one WhatsApp session, the first is the session's own number.
	Numbers []string `json:"numbers,omitempty"`
	// Session is the account's id in the provider's own terms, where its API names one in
	// the path, a header or the query: Wasend session id, Wawp instance_id, WAHA session,
	// Evolution instance, GOWA device id, QuickGateway session id. 2Chat has none.
	Session string `json:"session,omitempty"`
	// RateLimit, when set, is the account's token bucket; absent means unlimited.
	RateLimit *RateLimit `json:"rateLimit,omitempty"`
}

// RateLimit is a token bucket that every authenticated call of one account draws from.
type RateLimit struct {
	// RequestsPerMinute is the refill rate.
	RequestsPerMinute float64 `json:"requestsPerMinute"`
	// Burst is the bucket size; 0 means 1.
	Burst int `json:"burst,omitempty"`
}

// Person is a WhatsApp user with a trait that changes how the world treats them.
type Person struct {
	// Phone is the user's number in E.164.
	Phone string `json:"phone"`
	// Privacy means "who can add me" forbids adds: an add answers 403 and sends an invite.
	Privacy bool `json:"privacy,omitempty"`
	// Unregistered means the number is not on WhatsApp: an add answers 404.
	Unregistered bool `json:"unregistered,omitempty"`
	// LID is the user's hidden WhatsApp id, "<digits>@lid".
	LID string `json:"lid,omitempty"`
}

// SeedGroup is one WhatsApp group in a seed.
type SeedGroup struct {
	// ID is the provider's id of the group (2Chat: its UUID).
	ID string `json:"id"`
	// JID is the WhatsApp group JID, "<digits>@g.us"; defaults to ID when ID is a JID.
	JID string `json:"jid,omitempty"`
	// Name is the group's subject.
	Name string `json:"name,omitempty"`
	// MaxSize is the most participants the group holds; 0 means 1024.
	MaxSize int `json:"maxSize,omitempty"`
	// Participants are the members in order, each with a role.
	Participants []SeedMember `json:"participants,omitempty"`
	// RecentlyLeft are numbers that left lately and cannot be re-added yet (add answers 408).
	RecentlyLeft []string `json:"recentlyLeft,omitempty"`
	// Addressing is how WhatsApp addresses the group's participants: "pn" (by phone number,
	// the default) or "lid" (by hidden id, with the phone as a separate attribute where the
	// provider gives one). Dialects render participants accordingly.
	Addressing string `json:"addressing,omitempty"`
}

// SeedMember is one participant of a seeded group.
type SeedMember struct {
	// Phone is the participant's number in E.164.
	Phone string `json:"phone"`
	// Role is member, admin or superadmin (the creator); empty means member.
	Role string `json:"role,omitempty"`
}

// DefaultMaxSize is the group size limit when a seed gives none.
const DefaultMaxSize = 1024

// ParseSeed reads a seed from YAML or JSON. Unknown fields are errors, so typos surface.
func ParseSeed(data []byte) (Seed, error) {
	var s Seed
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		return Seed{}, fmt.Errorf("parse seed: %w", err)
	}
	return s, nil
}

// LoadSeedFile reads a seed from a YAML or JSON file.
func LoadSeedFile(path string) (Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, fmt.Errorf("read seed: %w", err)
	}
	s, err := ParseSeed(data)
	if err != nil {
		return Seed{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
