package cli

// This file owns what the commands act through: the cluster, with the user's own kubeconfig
// rights, and the provider accounts, reached the way the operator reaches them but through a
// read-only view.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/ratelimit"
	"github.com/wagov/wagov/internal/roster"
)

// GroupReader is all the plugin may do with a provider account: check it and read a group.
// Holding only this, the plugin cannot write to a WhatsApp group.
type GroupReader interface {
	// CheckAccount proves the credentials and the account work.
	CheckAccount(ctx context.Context) error
	// ReadGroup reads the live group with its participants and their roles.
	ReadGroup(ctx context.Context, groupID string) (roster.Group, error)
}

// Connect returns the reader of a provider object's account.
type Connect func(ctx context.Context, p whatsappv1.ProviderObject) (GroupReader, error)

// Env is what the commands act through.
type Env struct {
	// Kube reads wagov's objects and providers' Secrets, and patches groups, as the user.
	Kube client.Client
	// Namespace is -n, or the kubeconfig context's namespace.
	Namespace string
	// Connect reaches provider accounts.
	Connect Connect
	// In, Out and ErrOut are the streams: manifests are read from In (-f -), results go to Out
	// and notes to ErrOut.
	In          io.Reader
	Out, ErrOut io.Writer
	// Now is the clock.
	Now func() time.Time
}

// envFrom builds the Env of kubectl's connection flags.
func envFrom(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) (*Env, error) {
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig namespace: %w", err)
	}
	scheme, err := controller.NewScheme()
	if err != nil {
		return nil, err
	}
	kube, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("connect to the cluster: %w", err)
	}
	return &Env{Kube: kube, Namespace: ns, Connect: ConnectWith(kube), In: streams.In, Out: streams.Out, ErrOut: streams.ErrOut, Now: time.Now}, nil
}

// ConnectWith reaches provider accounts through the operator's own Connector: the same client
// per provider type, the credentials read from the provider's Secret with kube, and the
// provider's rate limit (starting empty, as in the operator, so the first call may wait a second).
func ConnectWith(kube client.Client) Connect {
	c := &controller.Connector{
		Client:       kube,
		HTTP:         &http.Client{Timeout: 30 * time.Second},
		Accounts:     ratelimit.NewAccounts(),
		MaxTokenWait: time.Minute,
	}
	return func(ctx context.Context, p whatsappv1.ProviderObject) (GroupReader, error) {
		conn, err := c.Connect(ctx, p)
		if err != nil {
			return nil, err
		}
		return conn.Client, nil
	}
}

// readGroup reads the live group g names through the provider g references: the provider
// object, its account check, then the group. It returns the provider object too.
func (e *Env) readGroup(ctx context.Context, g *whatsappv1.WhatsAppGroup) (whatsappv1.ProviderObject, roster.Group, error) {
	p, key := controller.ProviderOf(g)
	what := providerName(g)
	if err := e.Kube.Get(ctx, key, p); err != nil {
		return nil, roster.Group{}, fmt.Errorf("get %s: %w", what, err)
	}
	r, err := e.Connect(ctx, p)
	if err != nil {
		return nil, roster.Group{}, fmt.Errorf("connect to %s: %w", what, err)
	}
	if err = r.CheckAccount(ctx); err != nil {
		return nil, roster.Group{}, fmt.Errorf("check the account of %s: %w", what, err)
	}
	live, err := r.ReadGroup(ctx, g.Spec.GroupID)
	if err != nil {
		return nil, roster.Group{}, fmt.Errorf("read group %s through %s: %w", g.Spec.GroupID, what, err)
	}
	return p, live, nil
}

// providerName names the provider a group references, as kubectl would: kind/name, with the
// namespace for a WhatsAppProvider.
func providerName(g *whatsappv1.WhatsAppGroup) string {
	_, key := controller.ProviderOf(g)
	kind := g.Spec.ProviderRef.Kind
	if kind == "" {
		kind = "WhatsAppProvider"
	}
	if key.Namespace == "" {
		return kind + "/" + key.Name
	}
	return kind + " " + key.Namespace + "/" + key.Name
}
