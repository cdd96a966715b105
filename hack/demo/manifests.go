package main

// This file owns the demo's inputs: the simulator seed (hack/demo/world.yaml) and the
// manifests (hack/demo/manifests/*.yaml), which are Go text/templates filled in with the
// simulator's endpoint, API key and number at run time.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"sigs.k8s.io/yaml"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// manifestValues are what the manifest templates refer to.
type manifestValues struct {
	// Namespace holds everything the demo applies.
	Namespace string
	// Endpoint is the simulator's base URL.
	Endpoint string
	// APIKey is the 2Chat key the seed's account accepts.
	APIKey string
	// Account is the account's connected number (2Chat from_number).
	Account string
}

// valuesFromSeed takes the credentials and number of the seed's first account.
func valuesFromSeed(seed sim.Seed, namespace, endpoint string) (manifestValues, error) {
	if len(seed.Accounts) == 0 || len(seed.Accounts[0].Numbers) == 0 {
		return manifestValues{}, fmt.Errorf("the demo seed needs an account with a number")
	}
	a := seed.Accounts[0]
	return manifestValues{Namespace: namespace, Endpoint: endpoint, APIKey: a.APIKey, Account: a.Numbers[0]}, nil
}

// renderManifests fills every *.yaml template in src with v and writes the results to dst.
func renderManifests(src, dst string, v manifestValues) error {
	files, err := filepath.Glob(filepath.Join(src, "*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no manifests in %s", src)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		t, err := template.New(filepath.Base(f)).Option("missingkey=error").ParseFiles(f)
		if err != nil {
			return fmt.Errorf("parse %s: %w", f, err)
		}
		var out bytes.Buffer
		if err := t.Execute(&out, v); err != nil {
			return fmt.Errorf("render %s: %w", f, err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), out.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// declaredGroups returns the WhatsAppGroups in the rendered manifests in dir, in file order.
func declaredGroups(dir string) ([]whatsappv1.WhatsAppGroup, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var groups []whatsappv1.WhatsAppGroup
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, doc := range strings.Split(string(data), "\n---") {
			var g whatsappv1.WhatsAppGroup
			if err := yaml.Unmarshal([]byte(doc), &g); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if g.Kind == "WhatsAppGroup" {
				groups = append(groups, g)
			}
		}
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("no WhatsAppGroup in %s", dir)
	}
	return groups, nil
}
