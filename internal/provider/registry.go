package provider

import (
	"fmt"
	"slices"
	"sync"
)

// Factory builds a Client for one account.
type Factory func(Config) (Client, error)

type registration struct {
	factory Factory
	caps    Capabilities
}

var (
	mu       sync.RWMutex
	registry = map[string]registration{}
)

// Register makes a provider type available under its spec.type name. Provider packages call it
// from init; registering a name twice panics.
func Register(typeName string, caps Capabilities, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[typeName]; dup {
		panic("provider type registered twice: " + typeName)
	}
	registry[typeName] = registration{factory: f, caps: caps}
}

// New builds a Client for the named type, filling in the type's default endpoint.
func New(typeName string, cfg Config) (Client, Capabilities, error) {
	mu.RLock()
	r, ok := registry[typeName]
	mu.RUnlock()
	if !ok {
		return nil, Capabilities{}, fmt.Errorf("provider type %q is not supported by this build (supported: %v)", typeName, Types())
	}
	if cfg.Endpoint == "" {
		if r.caps.DefaultEndpoint == "" {
			return nil, r.caps, fmt.Errorf("provider type %q is self-hosted: spec.endpoint is required", typeName)
		}
		cfg.Endpoint = r.caps.DefaultEndpoint
	}
	c, err := r.factory(cfg)
	return c, r.caps, err
}

// CapabilitiesOf returns a registered type's capabilities.
func CapabilitiesOf(typeName string) (Capabilities, bool) {
	mu.RLock()
	defer mu.RUnlock()
	r, ok := registry[typeName]
	return r.caps, ok
}

// Types lists the registered type names.
func Types() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
