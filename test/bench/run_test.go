package bench

// This file owns one run of a scenario: a fresh control plane, simulator and operator process;
// the accounts made Ready; every group created at once and timed until all are Ready; then a
// steady state of whole intervals in which the bench itself makes no request, counting provider
// calls from the simulator's call log, kube-apiserver requests from the apiserver's metrics and
// audit log, and the operator's CPU time and syncs from the operator process.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/sim"
)

const (
	// confirmAfter is the operator's --confirm-after: the read that confirms a group's writes
	// comes one second after them, not the default ten, which would add ten seconds to the
	// last group's convergence whatever the rate.
	confirmAfter = time.Second
	// settle is the pause between the last group turning Ready and the steady state, for the
	// last status patches and events to land.
	settle = 5 * time.Second
	// steadyIntervals is the length of the steady state, in intervals.
	steadyIntervals = 2
	// creators is how many groups the bench creates at once.
	creators = 8
)

// operatorUser is the operator's user on the control plane, by which the audit log tells its
// requests apart.
const operatorUser = "wagov-operator"

// runResult is what one run of a scenario measured.
type runResult struct {
	// created is how long creating every group took; converged, until every group was Ready,
	// both from the first create.
	created, converged time.Duration
	// convergeCalls are the provider calls until then, and convergeKube the operator's
	// kube-apiserver requests.
	convergeCalls int
	convergeKube  requestCounts
	// convergeCPU is the CPU time spent until then by the operator, by the control plane
	// (kube-apiserver and etcd), and by the bench's process (the simulator and the bench).
	convergeCPU struct{ operator, controlPlane, simAndBench time.Duration }
	// http429 counts the provider calls answered 429, in the whole run, and steady429 those in
	// the steady state.
	http429, steady429 int
	// asDeclared counts the groups whose simulated roster is their spec's, once converged.
	asDeclared int
	// window is the steady state's length.
	window time.Duration
	// reads and otherCalls are the provider calls in the steady state, by op.
	reads      int
	otherCalls map[string]int
	// readRate is the steady state's reads per group per interval measured from each group's
	// own reads (readRate).
	readRate float64
	// kubeAll are everyone's kube-apiserver requests in the steady state
	// (apiserver_request_total), kubeByUser those the audit log names each user for, and kube
	// the operator's: kubeAll less the other users'. benchRequests, the bench's own as it
	// counted them, is zero by construction and checked.
	kube, kubeAll requestCounts
	kubeByUser    map[string]requestCounts
	benchRequests int64
	// syncs and cpu are the operator's group syncs and CPU time in the steady state.
	syncs float64
	cpu   time.Duration
	// base is the operator before any group existed; end after the steady state (its heap
	// after a GC).
	base, end selfReport
	// readyAfter counts the groups Ready after the steady state.
	readyAfter int
}

// run is one run's world: the control plane, the simulator, the operator process and the
// bench's own client, which counts its requests.
type run struct {
	sc            scenario
	dir           string
	cfg           *rest.Config
	world         *sim.Sim
	op            *operatorProcess
	k8s           client.Client
	benchRequests atomic.Int64
	knobs         knobs
	// profile, when set, is where the operator's CPU and heap profiles of this run go.
	profile string
}

// heapSampleRate is the operator's heap profile sampling in a profiled run.
const heapSampleRate = 16 << 10

// operatorConfig is what this run tells its operator process.
func (r *run) operatorConfig() operatorConfig {
	oc := operatorConfig{Concurrency: r.knobs.concurrency, ConfirmAfter: confirmAfter, MemoryLimit: chartMemoryLimit, CPULimit: r.knobs.cpuLimit}
	if r.profile != "" {
		oc.HeapSampleRate = heapSampleRate
	}
	return oc
}

// runOnce runs sc once with the operator run as k says.
func runOnce(ctx context.Context, sc scenario, k knobs, profile string) (runResult, error) {
	var res runResult
	r := &run{sc: sc, knobs: k, profile: profile}
	dir, err := os.MkdirTemp("", "wagov-bench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	r.dir = dir
	if err = os.WriteFile(filepath.Join(dir, "audit-policy.yaml"), []byte(auditPolicy), 0o600); err != nil {
		return res, err
	}
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	env.ControlPlane.GetAPIServer().Configure().
		Set("audit-policy-file", filepath.Join(dir, "audit-policy.yaml")).
		Set("audit-log-path", filepath.Join(dir, "audit.log"))
	if r.cfg, err = env.Start(); err != nil {
		return res, fmt.Errorf("start the control plane: %w", err)
	}
	defer func() { _ = env.Stop() }()
	if r.world, err = sim.New(sc.seed()); err != nil {
		return res, err
	}
	srv := httptest.NewServer(r.world.Handler())
	defer srv.Close()
	user, err := env.AddUser(envtest.User{Name: operatorUser, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return res, err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return res, err
	}
	if r.op, err = startOperator(ctx, dir, kubeconfig, r.operatorConfig()); err != nil {
		return res, err
	}
	defer r.op.stop()
	scheme, err := controller.NewScheme()
	if err != nil {
		return res, err
	}
	if r.k8s, err = client.New(countRequests(r.cfg, &r.benchRequests), client.Options{Scheme: scheme}); err != nil {
		return res, err
	}
	if err = createAll(ctx, r.k8s, append([]client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}}, sc.providerObjects(srv.URL)...)); err != nil {
		return res, err
	}
	if err = waitProvidersReady(ctx, r.k8s, sc.accounts); err != nil {
		return res, err
	}
	if res.base, err = r.op.self(ctx, true); err != nil {
		return res, err
	}
	if err = r.converge(ctx, scheme, &res); err != nil {
		return res, err
	}
	if err = hold(ctx, settle); err != nil {
		return res, err
	}
	if err = r.steady(ctx, &res); err != nil {
		return res, err
	}
	res.readyAfter, err = readyNow(ctx, r.k8s)
	return res, err
}

// converge creates every group at once and waits until all are Ready.
func (r *run) converge(ctx context.Context, scheme *runtime.Scheme, res *runResult) error {
	groups, stopWatching, err := watchGroups(ctx, countRequests(r.cfg, &r.benchRequests), scheme)
	if err != nil {
		return err
	}
	defer stopWatching()
	self0, err := r.op.self(ctx, false)
	if err != nil {
		return err
	}
	plane0, bench0 := childrenCPU(r.op.cmd.Process.Pid), selfCPU()
	r.world.ResetCalls()
	start := time.Now()
	stopProfile := r.startProfile(ctx, "converge", max(time.Second, 2*r.sc.rateBound()))
	defer stopProfile()
	if err = parallel(r.sc.groups, creators, func(g int) error {
		return r.k8s.Create(ctx, &whatsappv1.WhatsAppGroup{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: groupName(g)}, Spec: r.sc.spec(g)})
	}); err != nil {
		return fmt.Errorf("create the groups: %w", err)
	}
	res.created = time.Since(start)
	if err = waitConverged(ctx, groups, r.sc.groups, start.Add(max(5*time.Minute, 10*r.sc.rateBound()))); err != nil {
		return err
	}
	res.converged = time.Since(start)
	self1, err := r.op.self(ctx, false)
	if err != nil {
		return err
	}
	res.convergeCPU.operator = self1.CPU - self0.CPU
	res.convergeCPU.controlPlane = childrenCPU(r.op.cmd.Process.Pid) - plane0
	res.convergeCPU.simAndBench = selfCPU() - bench0
	res.convergeCalls = len(r.world.Calls())
	if err = r.saveCalls(); err != nil {
		return err
	}
	res.asDeclared = countAsDeclared(r.world, r.sc)
	byUser, err := auditedRequests(filepath.Join(r.dir, "audit.log"), start, start.Add(res.converged))
	res.convergeKube = byUser[operatorUser]
	return err
}

// steady measures whole intervals at rest, in which the bench makes no request of its own.
func (r *run) steady(ctx context.Context, res *runResult) error {
	hc, err := rest.HTTPClientFor(r.cfg)
	if err != nil {
		return err
	}
	host := r.cfg.Host
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	all0, err := apiserverRequests(ctx, hc, host)
	if err != nil {
		return err
	}
	self0, err := r.op.self(ctx, false)
	if err != nil {
		return err
	}
	own0, t0 := r.benchRequests.Load(), time.Now()
	stopProfile := r.startProfile(ctx, "steady", steadyIntervals*interval)
	defer stopProfile()
	if err = hold(ctx, steadyIntervals*interval); err != nil {
		return err
	}
	t1 := time.Now()
	self1, err := r.op.self(ctx, false)
	if err != nil {
		return err
	}
	all1, err := apiserverRequests(ctx, hc, host)
	if err != nil {
		return err
	}
	res.benchRequests = r.benchRequests.Load() - own0
	if res.end, err = r.op.self(ctx, true); err != nil {
		return err
	}
	res.window, res.kubeAll = t1.Sub(t0), all1.since(all0)
	if res.kubeByUser, err = auditedRequests(filepath.Join(r.dir, "audit.log"), t0, t1); err != nil {
		return err
	}
	res.kube = res.kubeAll.less(res.kubeByUser, operatorUser)
	res.syncs, res.cpu = self1.Syncs-self0.Syncs, self1.CPU-self0.CPU
	if r.profile != "" {
		if err := r.op.profile(ctx, "/debug/pprof/heap", r.profile+"-heap.pprof"); err != nil {
			return err
		}
	}
	res.otherCalls = map[string]int{}
	readsOf := map[string][]time.Time{}
	for _, c := range r.world.Calls() {
		if c.Status == 429 {
			res.http429++
		}
		inWindow := !c.Time.Before(t0) && c.Time.Before(t1)
		if inWindow && c.Status == 429 {
			res.steady429++
		}
		switch {
		case !inWindow:
		case c.Op == sim.OpRead:
			res.reads++
			readsOf[c.Group] = append(readsOf[c.Group], c.Time)
		default:
			res.otherCalls[c.Op]++
		}
	}
	res.readRate = readRate(readsOf, r.sc.groups, res.window)
	return nil
}

// readRate is the mean over the groups of each one's reads per interval, from the time between
// its first and last read in the window: (reads − 1) × interval / that time. Counting the
// window's reads instead depends on where the window falls in the groups' periods, which are
// not spread evenly (they follow the order the groups converged in), and a count off by one
// read in two intervals is 0.5 a group. A group with fewer than two reads counts by its count
// over the window, so that one that stopped reading counts low.
func readRate(readsOf map[string][]time.Time, groups int, window time.Duration) float64 {
	var sum float64
	for _, ts := range readsOf {
		first, last := slices.MinFunc(ts, time.Time.Compare), slices.MaxFunc(ts, time.Time.Compare)
		if span := last.Sub(first); len(ts) >= 2 && span > 0 {
			sum += float64(len(ts)-1) * interval.Seconds() / span.Seconds()
		} else {
			sum += float64(len(ts)) * interval.Seconds() / window.Seconds()
		}
	}
	return sum / float64(groups)
}

// saveCalls, when the run keeps profiles, writes the provider calls so far to
// <profile>-calls.json, as the simulator's control API lists them: when and in what bunches
// the 429s came.
func (r *run) saveCalls() error {
	if r.profile == "" {
		return nil
	}
	b, err := json.Marshal(r.world.Calls())
	if err != nil {
		return err
	}
	return os.WriteFile(r.profile+"-calls.json", b, 0o644)
}

// startProfile, when the run keeps profiles, takes the operator's CPU profile of the next d
// into <profile>-<phase>.pprof; the function it returns waits for it. The heap profile after
// the steady state goes to <profile>-heap.pprof.
func (r *run) startProfile(ctx context.Context, phase string, d time.Duration) func() {
	if r.profile == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Round(time.Second).Seconds()))
		if err := r.op.profile(ctx, path, r.profile+"-"+phase+".pprof"); err != nil {
			fmt.Fprintln(os.Stderr, "operator CPU profile:", err)
		}
	}()
	return func() { <-done }
}

func createAll(ctx context.Context, k8s client.Client, objs []client.Object) error {
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// parallel calls f for 0 to n-1 on workers goroutines, and returns the first error.
func parallel(n, workers int, f func(i int) error) error {
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					once.Do(func() { first = err })
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// hold waits out a measurement window.
func hold(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func ready(conds []metav1.Condition, generation, observed int64) bool {
	return apimeta.IsStatusConditionTrue(conds, whatsappv1.ConditionReady) && observed == generation
}

// waitProvidersReady polls until every provider object is Ready.
func waitProvidersReady(ctx context.Context, k8s client.Client, n int) error {
	return poll(ctx, time.Now().Add(time.Minute), func() (bool, error) {
		var list whatsappv1.WhatsAppProviderList
		if err := k8s.List(ctx, &list, client.InNamespace(namespace)); err != nil {
			return false, err
		}
		count := 0
		for _, p := range list.Items {
			if ready(p.Status.Conditions, p.Generation, p.Status.ObservedGeneration) {
				count++
			}
		}
		return count == n, nil
	})
}

// watchGroups returns a cache of the bench's groups, and a function that stops it.
func watchGroups(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme) (cache.Cache, func(), error) {
	c, err := cache.New(cfg, cache.Options{Scheme: scheme, DefaultTransform: cache.TransformStripManagedFields(),
		DefaultNamespaces: map[string]cache.Config{namespace: {}}})
	if err != nil {
		return nil, nil, err
	}
	if _, err := c.GetInformer(ctx, &whatsappv1.WhatsAppGroup{}); err != nil {
		return nil, nil, err
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { _ = c.Start(cctx) }()
	if !c.WaitForCacheSync(ctx) {
		cancel()
		return nil, nil, errors.New("the bench's group cache did not sync")
	}
	return c, cancel, nil
}

// waitConverged polls the cache until all n groups are Ready.
func waitConverged(ctx context.Context, groups cache.Cache, n int, deadline time.Time) error {
	count := 0
	err := poll(ctx, deadline, func() (bool, error) {
		var list whatsappv1.WhatsAppGroupList
		if err := groups.List(ctx, &list, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
			return false, err
		}
		count = countReady(list.Items)
		return count == n, nil
	})
	if err != nil {
		return fmt.Errorf("%d of %d groups Ready: %w", count, n, err)
	}
	return nil
}

func countReady(gs []whatsappv1.WhatsAppGroup) int {
	n := 0
	for i := range gs {
		if ready(gs[i].Status.Conditions, gs[i].Generation, gs[i].Status.ObservedGeneration) {
			n++
		}
	}
	return n
}

// readyNow counts the Ready groups, read from the kube-apiserver a page at a time.
func readyNow(ctx context.Context, k8s client.Client) (int, error) {
	n, cont := 0, ""
	for {
		var list whatsappv1.WhatsAppGroupList
		if err := k8s.List(ctx, &list, client.InNamespace(namespace), client.Limit(500), client.Continue(cont)); err != nil {
			return n, err
		}
		n += countReady(list.Items)
		if cont = list.Continue; cont == "" {
			return n, nil
		}
	}
}

// poll calls done every 100ms until it reports true, fails, or the deadline passes.
func poll(ctx context.Context, deadline time.Time, done func() (bool, error)) error {
	for {
		ok, err := done()
		if ok || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("not within the deadline")
		}
		if err := hold(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// countAsDeclared counts the groups whose simulated roster is exactly what their spec declares.
func countAsDeclared(world *sim.Sim, sc scenario) int {
	n := 0
	for g := range sc.groups {
		st, ok := world.Group(groupID(g))
		want := sc.want(g)
		if !ok || len(st.Participants) != len(want) {
			continue
		}
		same := true
		for _, p := range st.Participants {
			same = same && want[p.Phone] == p.Role
		}
		if same {
			n++
		}
	}
	return n
}
