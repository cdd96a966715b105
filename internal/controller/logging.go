package controller

// This file owns the logger each reconcile is given. controller-runtime's default adds the
// object's kind, name and namespace and the reconcile's ID with WithValues, and zap encodes
// values as they are added (the object reference through reflection): about a tenth of the
// CPU of a sync at rest, which logs nothing. Here the values wait until a line is written.

import (
	"slices"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// requestLogger returns a LogConstructor with the values of controller-runtime's default
// (controller, controllerGroup, controllerKind, the object as kind: {name, namespace}, and
// namespace and name), added only to the lines written.
func requestLogger(base logr.Logger, controller, group, kind string) func(*reconcile.Request) logr.Logger {
	base = base.WithValues("controller", controller, "controllerGroup", group, "controllerKind", kind)
	return func(req *reconcile.Request) logr.Logger {
		l := deferValues(base)
		if req != nil {
			l = l.WithValues(kind, klog.KRef(req.Namespace, req.Name), "namespace", req.Namespace, "name", req.Name)
		}
		return l
	}
}

// deferValues returns l with a sink that keeps what WithValues adds and gives it to l's own
// sink when a line is written.
func deferValues(l logr.Logger) logr.Logger {
	sink := l.GetSink()
	if sink == nil {
		return l
	}
	if cd, ok := sink.(logr.CallDepthLogSink); ok {
		// The lines pass through one more frame, this sink's.
		sink = cd.WithCallDepth(1)
	}
	return l.WithSink(&deferredSink{parent: sink})
}

// deferredSink is a logr.LogSink whose values reach parent with the first line that needs them.
type deferredSink struct {
	parent logr.LogSink
	values []any
}

func (d *deferredSink) Init(logr.RuntimeInfo) {}

func (d *deferredSink) Enabled(level int) bool { return d.parent.Enabled(level) }

func (d *deferredSink) Info(level int, msg string, kv ...any) {
	d.withValues().Info(level, msg, kv...)
}

func (d *deferredSink) Error(err error, msg string, kv ...any) {
	d.withValues().Error(err, msg, kv...)
}

func (d *deferredSink) withValues() logr.LogSink {
	if len(d.values) == 0 {
		return d.parent
	}
	return d.parent.WithValues(d.values...)
}

func (d *deferredSink) WithValues(kv ...any) logr.LogSink {
	return &deferredSink{parent: d.parent, values: append(slices.Clip(d.values), kv...)}
}

func (d *deferredSink) WithName(name string) logr.LogSink {
	return &deferredSink{parent: d.parent.WithName(name), values: d.values}
}

// WithCallDepth passes depth to parent, when it takes one.
func (d *deferredSink) WithCallDepth(depth int) logr.LogSink {
	if cd, ok := d.parent.(logr.CallDepthLogSink); ok {
		return &deferredSink{parent: cd.WithCallDepth(depth), values: d.values}
	}
	return d
}
