package controller

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// countingSink counts the WithValues calls that reach the sink under the deferred one.
type countingSink struct {
	logr.LogSink
	withValues *int
}

func (c countingSink) WithValues(kv ...any) logr.LogSink {
	*c.withValues++
	return countingSink{LogSink: c.LogSink.WithValues(kv...), withValues: c.withValues}
}

// A reconcile that writes no line costs no encoding of its values; a line that is written
// carries all of them, as controller-runtime's default logger would.
func TestRequestLoggerAddsValuesOnlyToLinesWritten(t *testing.T) {
	var lines []string
	calls := 0
	base := logr.New(countingSink{LogSink: funcr.New(func(prefix, args string) { lines = append(lines, args) }, funcr.Options{}).GetSink(), withValues: &calls})
	newLogger := requestLogger(base, "whatsappgroup", "whatsapp.wagov.dev", "WhatsAppGroup")
	calls = 0
	l := newLogger(&reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "team", Name: "g1"}}).WithValues("reconcileID", "r-1")
	l.V(1).Info("not enabled")
	if calls != 0 || len(lines) != 0 {
		t.Fatalf("before any line: %d WithValues reached the sink, lines %q", calls, lines)
	}
	l.Error(errors.New("boom"), "Reconciler error")
	l.Info("done", "took", "1s")
	if len(lines) != 2 {
		t.Fatalf("lines %q", lines)
	}
	for _, want := range []string{`"controller"="whatsappgroup"`, `"controllerKind"="WhatsAppGroup"`, `"WhatsAppGroup"={"name"="g1" "namespace"="team"}`,
		`"namespace"="team"`, `"name"="g1"`, `"reconcileID"="r-1"`} {
		for _, line := range lines {
			if !strings.Contains(line, want) {
				t.Errorf("line %s lacks %s", line, want)
			}
		}
	}
	if !strings.Contains(lines[0], `"error"="boom"`) || !strings.Contains(lines[1], `"took"="1s"`) {
		t.Errorf("lines %q", lines)
	}
}

// The group controller runs with the deferred logger: the builder's WithOptions would drop a
// logger set with WithLogConstructor before it.
func TestGroupControllerUsesTheDeferredLogger(t *testing.T) {
	calls := 0
	base := logr.New(countingSink{LogSink: funcr.New(func(string, string) {}, funcr.Options{}).GetSink(), withValues: &calls})
	opts := (&GroupReconciler{}).controllerOptions(base)
	if opts.LogConstructor == nil {
		t.Fatal("the group controller's options have no LogConstructor: controller-runtime's default encodes each reconcile's values")
	}
	calls = 0
	l := opts.LogConstructor(&reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "team", Name: "g1"}}).WithValues("reconcileID", "r-1")
	if _, ok := l.GetSink().(*deferredSink); !ok || calls != 0 {
		t.Fatalf("a reconcile's logger has sink %T and %d WithValues reached the base sink; want the deferred sink and none", l.GetSink(), calls)
	}
}
