package main

// This file owns the demo's inputs: the simulator seed (hack/demo/world.yaml) and the
// manifests (hack/demo/manifests/*.yaml), which are Go text/templates filled in with the
// simulator's endpoint and each account's credential and id at run time.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	// Accounts are the seed's accounts by provider type, such as .Accounts.TwoChat.APIKey.
	Accounts map[string]accountValues
}

// accountValues are one seed account as a Secret and a WhatsAppProvider name it.
type accountValues struct {
	// APIKey is the credential the account accepts (GOWA: "user:password").
	APIKey string
	// Account is the provider's spec.account: the session, instance or device id, or for
	// 2Chat, which has none, the connected number (from_number).
	Account string
	// Number is the account's own WhatsApp number.
	Number string
}

// valuesFromSeed takes the credentials and ids of the seed's accounts, one per provider type.
func valuesFromSeed(seed sim.Seed, namespace, endpoint string) (manifestValues, error) {
	v := manifestValues{Namespace: namespace, Endpoint: endpoint, Accounts: map[string]accountValues{}}
	for _, a := range seed.Accounts {
		if len(a.Numbers) == 0 {
			return v, fmt.Errorf("the demo seed's account %s needs a number", a.Name)
		}
		if _, dup := v.Accounts[a.Type]; dup {
			return v, fmt.Errorf("the demo seed has two %s accounts; the manifests name one per type", a.Type)
		}
		acct := a.Session
		if acct == "" {
			acct = a.Numbers[0]
		}
		v.Accounts[a.Type] = accountValues{APIKey: a.APIKey, Account: acct, Number: a.Numbers[0]}
	}
	if len(v.Accounts) == 0 {
		return v, fmt.Errorf("the demo seed has no account")
	}
	return v, nil
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

// declared is what the rendered manifests declare.
type declared struct {
	// groups are the WhatsAppGroups, in file order.
	groups []whatsappv1.WhatsAppGroup
	// providers are the WhatsAppProviders by name.
	providers map[string]whatsappv1.WhatsAppProvider
}

// readDeclared returns the WhatsAppGroups and WhatsAppProviders in the rendered manifests in
// dir, and checks that every group names a declared provider.
func readDeclared(dir string) (declared, error) {
	d := declared{providers: map[string]whatsappv1.WhatsAppProvider{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return d, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return d, err
		}
		for _, doc := range strings.Split(string(data), "\n---") {
			var meta metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
				return d, fmt.Errorf("%s: %w", f, err)
			}
			switch meta.Kind {
			case "WhatsAppGroup":
				var g whatsappv1.WhatsAppGroup
				if err := yaml.Unmarshal([]byte(doc), &g); err != nil {
					return d, fmt.Errorf("%s: %w", f, err)
				}
				d.groups = append(d.groups, g)
			case "WhatsAppProvider":
				var p whatsappv1.WhatsAppProvider
				if err := yaml.Unmarshal([]byte(doc), &p); err != nil {
					return d, fmt.Errorf("%s: %w", f, err)
				}
				d.providers[p.Name] = p
			}
		}
	}
	if len(d.groups) == 0 {
		return d, fmt.Errorf("no WhatsAppGroup in %s", dir)
	}
	for _, g := range d.groups {
		if _, ok := d.providers[g.Spec.ProviderRef.Name]; !ok {
			return d, fmt.Errorf("WhatsAppGroup %s names WhatsAppProvider %q, which the manifests do not declare", g.Name, g.Spec.ProviderRef.Name)
		}
	}
	return d, nil
}
