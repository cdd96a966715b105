package controller

// This file owns how a sync writes the group's status: at most once per sync, as a merge patch
// of the status alone (the spec, with its member lists, is never marshalled for it). A sync
// that writes changes to the provider makes that one write before its first call (the
// write-ahead record of status.inFlight); what its calls then bring is carried in memory into
// the next sync, which writes it with its own outcome. A restart that loses the carry loses no
// safety: what was sent is in status.inFlight, and a read settles it.

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/metrics"
)

// carried is the status a sync computed after its one write, to be written by the next sync.
// The status as written is not kept: the next sync starts from it (startFromWritten).
type carried struct {
	uid types.UID
	// status is the status wanted.
	status whatsappv1.WhatsAppGroupStatus
}

// takeCarried hands the next sync of a group what the last one carried, once.
func (r *GroupReconciler) takeCarried(key types.NamespacedName, uid types.UID) *carried {
	v, ok := r.carry.LoadAndDelete(key)
	if !ok {
		return nil
	}
	if c := v.(*carried); c.uid == uid {
		return c
	}
	return nil
}

// newGroupSync starts a sync of g, a copy of the cached group whose status the sync may change
// (its spec and metadata are the cache's, and are never written to), with the status last
// written (startFromWritten). When the last sync carried a status, it replaces that one.
func newGroupSync(r *GroupReconciler, g *whatsappv1.WhatsAppGroup, c *carried) *groupSync {
	base := &whatsappv1.WhatsAppGroup{TypeMeta: g.TypeMeta, ObjectMeta: g.ObjectMeta}
	if c != nil {
		// g's status is a copy already: it becomes the base, and the carried one the sync's.
		base.Status = g.Status
		g.Status = c.status
	} else {
		base.Status = *g.Status.DeepCopy()
	}
	return &groupSync{r: r, g: g, base: base, now: time.Now()}
}

// finish computes the status from the sync's outcome and writes it, when it changed: with a
// patch, or, after this sync's write-ahead, by carrying it to the next sync when that comes
// within a confirm interval (a sync that ends in a longer wait, or an error, writes again, so
// that what it met shows now).
func (s *groupSync) finish(ctx context.Context, res reconcile.Result, failed bool) error {
	g := s.g
	s.summarize()
	g.Status.ObservedGeneration = g.Generation
	if req, ok := g.Annotations[whatsappv1.ReconcileRequestedAtAnnotation]; ok && s.read {
		g.Status.LastHandledReconcileAt = req
	}
	if g.Status.LastSuccessfulSyncTime != nil {
		metrics.LastSuccessfulSync.WithLabelValues(g.Namespace, g.Name).Set(float64(g.Status.LastSuccessfulSyncTime.Unix()))
	}
	s.coarsenTimestamps()
	if equality.Semantic.DeepEqual(s.base.Status, g.Status) {
		return nil
	}
	if s.wroteAhead && !failed && res.RequeueAfter > 0 && res.RequeueAfter <= s.r.ConfirmAfter {
		s.carryOn()
		return nil
	}
	if err := s.patchStatus(ctx, false); err != nil {
		// Kept for the next sync, which writes it then.
		s.carryOn()
		return client.IgnoreNotFound(err)
	}
	return nil
}

// carryOn leaves the status not written yet to the next sync.
func (s *groupSync) carryOn() {
	s.r.carry.Store(s.key(), &carried{uid: s.g.UID, status: *s.g.Status.DeepCopy()})
}

// patchStatus writes the status from base to the sync's, and makes that the new base; locked,
// the kube-apiserver refuses it if the group changed since base was read.
func (s *groupSync) patchStatus(ctx context.Context, locked bool) error {
	meta := s.g.ObjectMeta
	from := &whatsappv1.WhatsAppGroup{TypeMeta: s.g.TypeMeta, Status: s.base.Status}
	from.Namespace, from.Name, from.ResourceVersion = meta.Namespace, meta.Name, s.base.ResourceVersion
	to := &whatsappv1.WhatsAppGroup{TypeMeta: s.g.TypeMeta, Status: *s.g.Status.DeepCopy()}
	to.Namespace, to.Name, to.ResourceVersion = meta.Namespace, meta.Name, s.base.ResourceVersion
	var opts []client.MergeFromOption
	if locked {
		opts = append(opts, client.MergeFromWithOptimisticLock{})
	}
	if err := s.r.Client.Status().Patch(ctx, to, client.MergeFromWithOptions(from, opts...)); err != nil {
		return err
	}
	s.base.ResourceVersion = to.ResourceVersion
	s.base.Status = *s.g.Status.DeepCopy()
	s.r.written.Store(s.key(), lastWrite{uid: s.g.UID, resourceVersion: to.ResourceVersion})
	return nil
}

// lastWrite is a group's last status write.
type lastWrite struct {
	uid             types.UID
	resourceVersion string
}

// startFromWritten makes g, a copy of the cached group, start from the status this process
// last wrote when the cache does not show that write yet: a sync right after a write would
// otherwise start from the status before it (losing a failure's backoff, say) and, diffing
// against it, leave the kube-apiserver's status as the last write left it. The status a sync
// carries is written over that one, and the write-ahead's optimistic lock is taken against its
// resourceVersion. A group replaced since (another UID) drops what was carried for the old one.
func (r *GroupReconciler) startFromWritten(ctx context.Context, key types.NamespacedName, g *whatsappv1.WhatsAppGroup) error {
	v, ok := r.written.LoadAndDelete(key)
	if !ok {
		return nil
	}
	w := v.(lastWrite)
	if w.uid != g.UID || w.resourceVersion == g.ResourceVersion {
		return nil
	}
	var fresh whatsappv1.WhatsAppGroup
	if err := r.APIReader.Get(ctx, key, &fresh); err != nil {
		r.written.Store(key, w) // for the retry
		return err
	}
	if fresh.UID != g.UID {
		r.carry.Delete(key)
		return nil
	}
	g.Status = fresh.Status
	if fresh.Generation == g.Generation {
		// The same spec: the write-ahead's optimistic lock is taken against what is there.
		g.ResourceVersion = fresh.ResourceVersion
	}
	return nil
}
