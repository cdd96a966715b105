// Command demo is `make demo`: it runs wagov's main job end to end on loopback. It starts a
// real control plane (etcd + kube-apiserver, via envtest) with wagov's CRDs, wagov-sim seeded
// with hack/demo/world.yaml (one account of every provider type), and bin/wagov; prints each
// group's roster; applies hack/demo/manifests with the real kubectl; waits until every
// WhatsAppGroup is Ready; then prints the rosters after, the diff and the provider calls, and
// checks them against the spec and the plan. It exits non-zero when a check fails, and always
// stops what it started.
//
// This file owns the order of the steps. Their work lives in cluster.go (control plane and
// kubectl), process.go (wagov-sim and wagov), manifests.go (seed and manifest templates),
// converge.go (waiting for Ready), providers.go (each type's batch cap and quirks) and
// report.go (rosters, diffs, calls and the checks).
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// namespace holds everything the demo applies.
const namespace = "wagov-demo"

var started = time.Now()

func main() {
	ctrllog.SetLogger(logr.Discard()) // envtest's own logging is not part of the show
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	if ctx.Err() != nil {
		err = errors.New("interrupted")
	}
	stop()
	fmt.Printf("\ntotal time: %s\n", time.Since(started).Round(100*time.Millisecond))
	if err != nil {
		fmt.Fprintf(os.Stderr, "\nmake demo FAILED: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("make demo passed: every group is Ready, every roster matches its spec, and the provider calls match the plan.")
}

func step(n int, title string) {
	fmt.Printf("\n==> [%d/7] %s  (+%.1fs)\n", n, title, time.Since(started).Seconds())
}

// paths are the files the demo uses, relative to the repository root, where make runs it.
type paths struct {
	assets, wagov, sim, kubectl, crds, seed, manifests string
}

func locate() (paths, error) {
	p := paths{
		assets:    os.Getenv("KUBEBUILDER_ASSETS"),
		wagov:     "bin/wagov",
		sim:       "bin/wagov-sim",
		kubectl:   "bin/kubectl",
		crds:      "config/crd/bases",
		seed:      "hack/demo/world.yaml",
		manifests: "hack/demo/manifests",
	}
	if p.assets == "" {
		return p, errors.New("KUBEBUILDER_ASSETS is not set; run `make demo` from the repository root")
	}
	for _, f := range []string{filepath.Join(p.assets, "kube-apiserver"), p.wagov, p.sim, p.kubectl, p.crds, p.seed, p.manifests} {
		if _, err := os.Stat(f); err != nil {
			return p, fmt.Errorf("%s is missing (run `make demo` from the repository root): %w", f, err)
		}
	}
	return p, nil
}

// run starts the control plane, the simulator and the operator, runs the demo against them,
// and stops them in reverse order however it ends.
func run(ctx context.Context) (err error) {
	p, err := locate()
	if err != nil {
		return err
	}
	seed, err := sim.LoadSeedFile(p.seed)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "wagov-demo-")
	if err != nil {
		return err
	}
	fmt.Printf("scratch directory (kubeconfig, rendered manifests, logs): %s\n", work)
	defer keepOnFailure(work, &err)

	step(1, "Starting a control plane: etcd + kube-apiserver on loopback, with wagov's CRDs")
	cp, err := startControlPlane(work)
	if err != nil {
		return err
	}
	defer cp.stop()
	fmt.Printf("  admin kubeconfig: %s\n", cp.kubeconfig)
	if ctx.Err() != nil {
		return ctx.Err()
	}

	step(2, "Starting wagov-sim seeded with "+p.seed)
	simProc, endpoint, err := startSim(ctx, p, work)
	if err != nil {
		return err
	}
	defer simProc.stop()
	fmt.Printf("  serving the APIs of %s at %s (log: %s)\n", accountTypes(seed), endpoint, simProc.LogPath)

	step(3, "Starting the operator (bin/wagov)")
	op, err := startOperator(ctx, p, cp.kubeconfig, work)
	if err != nil {
		return err
	}
	defer op.stop()
	defer func() {
		if err != nil {
			op.tail(40)
		}
	}()

	values, err := valuesFromSeed(seed, namespace, endpoint)
	if err != nil {
		return err
	}
	d := &demo{
		kc:       kubectl{path: p.kubectl, kubeconfig: cp.kubeconfig, cacheDir: filepath.Join(work, "kube-cache")},
		cp:       cp,
		ctl:      sim.Control{BaseURL: endpoint, HTTP: &http.Client{Timeout: 10 * time.Second}},
		values:   values,
		rendered: filepath.Join(work, "manifests"),
		work:     work,
	}
	return d.run(ctx, p.manifests)
}

// accountTypes lists the seed's provider types, in seed order.
func accountTypes(seed sim.Seed) string {
	var types []string
	for _, a := range seed.Accounts {
		types = append(types, a.Type)
	}
	return strings.Join(types, ", ")
}

// keepOnFailure removes the scratch directory after a success and keeps it, logs and all,
// after a failure.
func keepOnFailure(work string, err *error) {
	if *err != nil {
		fmt.Printf("\nscratch directory kept for inspection: %s\n", work)
		return
	}
	_ = os.RemoveAll(work)
}

// demo is what steps 4 to 6 work with.
type demo struct {
	kc       kubectl
	cp       *controlPlane
	ctl      sim.Control
	values   manifestValues
	rendered string // directory of the rendered manifests
	work     string // the scratch directory
	groups   []whatsappv1.WhatsAppGroup
	facts    map[string]providerFacts // by WhatsAppProvider name
}

func (d *demo) run(ctx context.Context, templates string) error {
	if err := renderManifests(templates, d.rendered, d.values); err != nil {
		return err
	}
	decl, err := readDeclared(d.rendered)
	if err != nil {
		return err
	}
	d.groups = decl.groups
	if d.facts, err = factsOf(decl.providers, d.values); err != nil {
		return err
	}

	step(4, "Rosters BEFORE (from wagov-sim's control API), then kubectl apply")
	before, err := readRosters(ctx, d.ctl, d.groups)
	if err != nil {
		return err
	}
	printRosters(d.groups, before)
	if err = d.ctl.ResetCalls(ctx); err != nil {
		return err
	}
	out, err := d.kc.run(ctx, "apply", "-f", d.rendered)
	if err != nil {
		return err
	}
	fmt.Printf("  $ kubectl apply -f %s\n%s", d.rendered, indent(out))

	step(5, fmt.Sprintf("Converging: kubectl wait --for=condition=Ready whatsappgroup --all -n %s %s", namespace, timeoutFlag()))
	if err := waitReady(ctx, d.kc, namespace); err != nil {
		if ctx.Err() != nil {
			return err
		}
		fmt.Println("  conditions now:")
		printConditions(context.Background(), d.cp.client, d.groups)
		return err
	}

	step(6, "Rosters AFTER, what changed, and the provider calls made")
	if err := d.check(ctx, before); err != nil {
		return err
	}
	step(7, "Adopting an existing group: kubectl wagov import, then plan (exit 0: applying it changes nothing)")
	return d.adopt(ctx, d.work)
}
