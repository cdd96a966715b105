// Package bench measures the operator at scale against wagov-sim on a real control plane:
// `make bench` runs it. It never asserts timings; it reports them next to the minimum the
// account's rate limit allows.
package bench

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/dialects"
)

const (
	groups     = 200
	perMinute  = 3000 // the account's budget, in the provider object and in the simulator
	burst      = 20
	ownNumber  = "+12123334444"
	apiKey     = "bench-key"
	newPerGrp  = 3 // members each group adds, one of whom it promotes
	concurrent = 4 // the operator's default group concurrency
)

// BenchmarkConverge200GroupsOneAccount creates 200 groups on one 2Chat account, each needing
// 3 adds and 1 promotion, and measures provider calls and time until every group is Ready;
// then one requested sync of every group, which must cost one read each and no writes.
func BenchmarkConverge200GroupsOneAccount(b *testing.B) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		b.Skip("KUBEBUILDER_ASSETS is not set: run `make bench`")
	}
	for range b.N {
		runOnce(b)
	}
}

func runOnce(b *testing.B) {
	b.StopTimer()
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	world, err := sim.New(seed())
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(world.Handler())
	defer srv.Close()

	scheme, err := controller.NewScheme()
	if err != nil {
		b.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}, Client: controller.ClientOptions(), Cache: controller.CacheOptions(nil)})
	if err != nil {
		b.Fatal(err)
	}
	opts := controller.DefaultOptions()
	opts.GroupConcurrency = concurrent
	opts.ConfirmAfter = time.Second
	if err = controller.Setup(mgr, opts); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = mgr.Start(ctx) }()
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		b.Fatal(err)
	}
	if err := createObjects(ctx, k8s, srv.URL); err != nil {
		b.Fatal(err)
	}
	waitReady(ctx, b, k8s, "") // the provider turned Ready before the groups existed

	world.ResetCalls()
	start := time.Now()
	b.StartTimer()
	if err := createGroups(ctx, k8s); err != nil {
		b.Fatal(err)
	}
	waitReady(ctx, b, k8s, "")
	b.StopTimer()
	elapsed := time.Since(start)
	calls := world.Calls()
	n, limited := len(calls), 0
	for _, c := range calls {
		if c.Status == 429 {
			limited++
		}
	}
	minimum := float64(max(n-burst, 0)) / (perMinute / 60.0)
	b.ReportMetric(float64(n), "calls")
	b.ReportMetric(float64(groups*4), "min_calls")
	b.ReportMetric(elapsed.Seconds(), "converge_s")
	b.ReportMetric(minimum, "rate_min_s")
	b.ReportMetric(float64(limited), "http429")

	// Steady state: one requested sync of every group.
	world.ResetCalls()
	stamp := time.Now().UTC().Format(time.RFC3339Nano)
	for i := range groups {
		g := &whatsappv1.WhatsAppGroup{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: "bench", Name: groupName(i)}, g); err != nil {
			b.Fatal(err)
		}
		patch := client.MergeFrom(g.DeepCopy())
		g.Annotations = map[string]string{whatsappv1.ReconcileRequestedAtAnnotation: stamp}
		if err := k8s.Patch(ctx, g, patch); err != nil {
			b.Fatal(err)
		}
	}
	waitReady(ctx, b, k8s, stamp)
	reads, writes := 0, 0
	for _, c := range world.Calls() {
		switch c.Op {
		case sim.OpRead:
			reads++
		case sim.OpAdd, sim.OpPromote, sim.OpDemote, sim.OpRemove:
			writes++
		}
	}
	b.ReportMetric(float64(reads), "steady_reads")
	b.ReportMetric(float64(writes), "steady_writes")
	fmt.Fprintf(os.Stderr, "200 groups on one account at %d/min (burst %d): %d calls (minimum %d), %d answered 429, converged in %.1fs; the rate limit allows it in %.1fs at best (%.2fx). A requested sync of all: %d reads, %d writes.\n",
		perMinute, burst, n, groups*4, limited, elapsed.Seconds(), minimum, elapsed.Seconds()/minimum, reads, writes)
}

func groupName(i int) string { return fmt.Sprintf("g%03d", i) }

func groupID(i int) string { return fmt.Sprintf("WAGb0000000-0000-4000-8000-%012d", i) }

func member(i, j int) string { return fmt.Sprintf("+3361%03d%04d", i, j) }

func seed() sim.Seed {
	s := sim.Seed{Accounts: []sim.Account{{Name: "bench", Type: "TwoChat", APIKey: apiKey, Numbers: []string{ownNumber},
		RateLimit: &sim.RateLimit{RequestsPerMinute: perMinute, Burst: burst}}}}
	for i := range groups {
		s.Groups = append(s.Groups, sim.SeedGroup{ID: groupID(i), JID: fmt.Sprintf("1203630%013d@g.us", i),
			Participants: []sim.SeedMember{{Phone: "+12125550199", Role: "superadmin"}, {Phone: ownNumber, Role: "admin"}}})
	}
	return s
}

func createObjects(ctx context.Context, k8s client.Client, endpoint string) error {
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: "key"}, StringData: map[string]string{"apiKey": apiKey}},
		&whatsappv1.WhatsAppProvider{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: "twochat"}, Spec: whatsappv1.ProviderSpec{
			Type: whatsappv1.ProviderTwoChat, Endpoint: endpoint, AllowInsecureHTTP: true, Account: ownNumber,
			CredentialsRef: whatsappv1.SecretKeyRef{Name: "key", Key: "apiKey"},
			RateLimit:      &whatsappv1.RateLimit{RequestsPerMinute: perMinute, Burst: burst},
			AddRateLimit:   &whatsappv1.AddRateLimit{AddsPerMinute: 6000, AddsPerDay: 1000000}}},
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

func createGroups(ctx context.Context, k8s client.Client) error {
	for i := range groups {
		var ms []string
		for j := range newPerGrp {
			ms = append(ms, member(i, j))
		}
		g := &whatsappv1.WhatsAppGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: groupName(i)}, Spec: whatsappv1.WhatsAppGroupSpec{
			ProviderRef: whatsappv1.ProviderReference{Kind: "WhatsAppProvider", Name: "twochat"},
			GroupID:     groupID(i), Members: ms, Admins: []string{ownNumber, ms[0]}}}
		if err := k8s.Create(ctx, g); err != nil {
			return err
		}
	}
	return nil
}

// waitReady polls until the provider and every group are Ready (and, with stamp, have
// handled that reconcile request).
func waitReady(ctx context.Context, b *testing.B, k8s client.Client, stamp string) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		var p whatsappv1.WhatsAppProvider
		_ = k8s.Get(ctx, client.ObjectKey{Namespace: "bench", Name: "twochat"}, &p)
		ok := apimeta.IsStatusConditionTrue(p.Status.Conditions, whatsappv1.ConditionReady)
		var list whatsappv1.WhatsAppGroupList
		if err := k8s.List(ctx, &list, client.InNamespace("bench")); err != nil {
			b.Fatal(err)
		}
		ready := 0
		for _, g := range list.Items {
			if apimeta.IsStatusConditionTrue(g.Status.Conditions, whatsappv1.ConditionReady) && g.Status.ObservedGeneration == g.Generation &&
				g.Status.LastHandledReconcileAt == stamp {
				ready++
			}
		}
		if ok && (len(list.Items) == 0 || ready == groups) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fatal("not every group became Ready within 5 minutes")
}
