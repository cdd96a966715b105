package controller

// This file owns how the cache holds a group's spec.members and spec.admins: packed, as
// integers, beside the cached object instead of in it. A number costs 8 bytes there, where a
// string costs 32 and a pointer that the garbage collector follows on every cycle; at 256
// members a cached group shrinks by about 6 KB. The cache's transform packs the lists of every
// group it receives (packGroupLists) and leaves a mark in their place; a sync unpacks them
// (declaredInline). The lists are packed by UID and generation: a sync that finds them missing
// or of another generation reads the group from the kube-apiserver instead, so a cached object
// never passes for a group that declares nobody.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/roster"
)

// packedMark is what a cached group's spec.members holds once its lists are packed: a value
// that is never a phone number, so that a list read from the object by mistake is refused, and
// one shared slice, so that the mark costs nothing per group.
var packedMark = []string{"wagov: members and admins are held packed beside the cache"}

// isPacked reports whether g's lists were packed by the cache's transform.
func isPacked(g *whatsappv1.WhatsAppGroup) bool {
	return len(g.Spec.Members) == 1 && g.Spec.Members[0] == packedMark[0] && g.Spec.Admins == nil
}

// numbers are phone numbers as integers: E.164 numbers have 8 to 15 digits and never start
// with 0, so an integer holds each one exactly.
type numbers []uint64

func packNumbers(e164 []string) numbers {
	ps := phones(e164)
	out := make(numbers, len(ps))
	for i, p := range ps {
		// phones keeps only numbers of 8 to 15 digits.
		out[i], _ = strconv.ParseUint(string(p), 10, 64)
	}
	return out
}

// phones unpacks the numbers into one string, which the phones returned share.
func (n numbers) phones() []roster.Phone {
	total := 0
	for _, v := range n {
		total += digits(v)
	}
	var b strings.Builder
	b.Grow(total)
	var tmp [20]byte
	for _, v := range n {
		b.Write(strconv.AppendUint(tmp[:0], v, 10))
	}
	all, out, at := b.String(), make([]roster.Phone, len(n)), 0
	for i, v := range n {
		d := digits(v)
		out[i] = roster.Phone(all[at : at+d])
		at += d
	}
	return out
}

func digits(v uint64) int {
	d := 1
	for v >= 10 {
		v /= 10
		d++
	}
	return d
}

// packedLists are the packed lists of every cached group, by UID.
type packedLists struct {
	mu    sync.RWMutex
	byUID map[types.UID]packedGroup
}

type packedGroup struct {
	generation      int64
	members, admins numbers
}

// groupLists holds the lists of every cache in the process: a cache's transform fills it, and
// the delete handler the group reconciler registers on its informer empties it (UIDs are never
// reused, so caches that share it never disagree).
var groupLists packedLists

// packGroupLists moves g's lists into groupLists and leaves packedMark in their place. The
// lists of a generation already packed are not parsed again (a status write brings the group
// back with the same spec).
func packGroupLists(g *whatsappv1.WhatsAppGroup) {
	if isPacked(g) {
		return
	}
	l := &groupLists
	l.mu.RLock()
	p, ok := l.byUID[g.UID]
	l.mu.RUnlock()
	if !ok || p.generation != g.Generation {
		p = packedGroup{generation: g.Generation, members: packNumbers(g.Spec.Members), admins: packNumbers(g.Spec.Admins)}
		l.mu.Lock()
		if l.byUID == nil {
			l.byUID = map[types.UID]packedGroup{}
		}
		l.byUID[g.UID] = p
		l.mu.Unlock()
	}
	g.Spec.Members, g.Spec.Admins = packedMark, nil
}

func (l *packedLists) get(uid types.UID, generation int64) (packedGroup, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	p, ok := l.byUID[uid]
	return p, ok && p.generation == generation
}

func (l *packedLists) forget(obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if g, ok := obj.(*whatsappv1.WhatsAppGroup); ok {
		l.mu.Lock()
		delete(l.byUID, g.UID)
		l.mu.Unlock()
	}
}

// declaredInline returns g's inline members and admins: from groupLists when the cache packed
// them, and otherwise from g itself. Lists that the cache packed but no longer holds for g's
// generation (a window of microseconds while the cache takes a newer one) are read from the
// kube-apiserver.
func (r *GroupReconciler) declaredInline(ctx context.Context, g *whatsappv1.WhatsAppGroup) (members, admins []roster.Phone, err error) {
	if !isPacked(g) {
		return phones(g.Spec.Members), phones(g.Spec.Admins), nil
	}
	if p, ok := groupLists.get(g.UID, g.Generation); ok {
		return p.members.phones(), p.admins.phones(), nil
	}
	var fresh whatsappv1.WhatsAppGroup
	if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: g.Namespace, Name: g.Name}, &fresh); err != nil {
		return nil, nil, fmt.Errorf("read the member lists of group %s/%s: %w", g.Namespace, g.Name, err)
	}
	if fresh.UID != g.UID || fresh.Generation != g.Generation {
		return nil, nil, fmt.Errorf("group %s/%s changed while it synced (generation %d, now %d); syncing again", g.Namespace, g.Name, g.Generation, fresh.Generation)
	}
	return phones(fresh.Spec.Members), phones(fresh.Spec.Admins), nil
}
