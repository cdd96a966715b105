// Command wagov is the operator: it keeps WhatsApp groups as their WhatsAppGroup objects declare.
package main

import (
	"flag"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/cpulimit"
	"github.com/wagov/wagov/internal/memlimit"
)

func main() {
	o := controller.DefaultOptions()
	var metricsAddr, probeAddr, leaderElectionNamespace string
	var leaderElect, metricsSecure bool
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "address the /metrics endpoint binds to; 0 disables it")
	flag.BoolVar(&metricsSecure, "metrics-secure", false, "serve /metrics over https (a self-signed certificate) and only to clients whose token may get the /metrics URL, checked with a TokenReview and a SubjectAccessReview")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "address the /healthz and /readyz probes bind to")
	flag.BoolVar(&leaderElect, "leader-elect", false, "elect a leader so that only one replica reconciles")
	flag.StringVar(&leaderElectionNamespace, "leader-election-namespace", "", "namespace of the leader election Lease; empty means the pod's own namespace (required outside a cluster)")
	flag.IntVar(&o.GroupConcurrency, "group-concurrency", o.GroupConcurrency, "how many groups sync at once")
	flag.DurationVar(&o.ConfirmAfter, "confirm-after", o.ConfirmAfter, "how long after writing changes a group is read again to confirm them")
	flag.DurationVar(&o.ProviderRecheck, "provider-recheck", o.ProviderRecheck, "how often a Ready provider account is checked again")
	flag.DurationVar(&o.MaxTokenWait, "max-token-wait", o.MaxTokenWait, "longest a sync waits in place for its account's rate limit before requeueing")
	flag.DurationVar(&o.ChangeBackoff, "change-backoff", o.ChangeBackoff, "first wait before a change the provider refused or that did not take effect is sent again (it doubles)")
	flag.DurationVar(&o.MaxChangeBackoff, "max-change-backoff", o.MaxChangeBackoff, "longest wait before such a change is sent again")
	flag.DurationVar(&o.CredentialsRecheck, "credentials-recheck", o.CredentialsRecheck, "first wait before rejected credentials are checked again (it grows up to --provider-recheck)")
	flag.StringVar(&o.ClusterResourceNamespace, "cluster-resource-namespace", "", "the only namespace ClusterWhatsAppProviders may read their Secrets from; empty allows any (the chart sets the release namespace)")
	var shard, leaderElectionID, watchNamespaces string
	flag.StringVar(&watchNamespaces, "watch-namespaces", "", "comma-separated namespaces whose groups, providers, Secrets and ConfigMaps are watched (and the Secrets of --cluster-resource-namespace); empty means all. ClusterWhatsAppProviders and Namespaces are cluster-scoped and always watched")
	flag.StringVar(&shard, "watch-label-selector", "", "watch only the WhatsAppGroups and providers this label selector matches, to split them across operator Deployments (e.g. 'sharding.fluxcd.io/key=shard1', and '!sharding.fluxcd.io/key' for the main one); keep a provider and all its groups on one shard")
	flag.StringVar(&leaderElectionID, "leader-election-id", "wagov.whatsapp.wagov.dev", "name of the leader election Lease; each shard needs its own")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")
	if limit, from := memlimit.FromContainer(); limit > 0 {
		log.Info("Go memory limit set", "bytes", limit, "from", from)
	}
	if procs, from := cpulimit.FromContainer(); from != "" {
		log.Info("GOMAXPROCS set", "procs", procs, "from", from)
	}

	scheme, err := controller.NewScheme()
	if err != nil {
		log.Error(err, "register types")
		os.Exit(1)
	}
	selector, err := labels.Parse(shard)
	if err != nil {
		log.Error(err, "parse --watch-label-selector")
		os.Exit(1)
	}
	metrics := metricsserver.Options{BindAddress: metricsAddr}
	if metricsSecure {
		metrics.SecureServing = true
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	namespaces := strings.FieldsFunc(watchNamespaces, func(r rune) bool { return r == ',' })
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metrics,
		HealthProbeBindAddress:  probeAddr,
		LeaderElection:          leaderElect,
		LeaderElectionID:        leaderElectionID,
		LeaderElectionNamespace: leaderElectionNamespace,
		// main exits as soon as the manager stops, so the Lease can be handed over at once:
		// a rolling update does not wait out the lease duration.
		LeaderElectionReleaseOnCancel: true,
		Client:                        controller.ClientOptions(),
		Cache:                         controller.NamespacedCacheOptions(selector, namespaces, o.ClusterResourceNamespace),
	})
	if err != nil {
		log.Error(err, "create manager")
		os.Exit(1)
	}
	if err := controller.Setup(mgr, o); err != nil {
		log.Error(err, "set up controllers")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "add health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "add ready check")
		os.Exit(1)
	}
	log.Info("starting wagov")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "run manager")
		os.Exit(1)
	}
}
