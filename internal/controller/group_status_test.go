package controller

import (
	"context"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

// A carried status is written against what the kube-apiserver holds: the cached status when the
// cache shows the carried write, else the status read from the kube-apiserver, with no read when
// the cache is current.
func TestCarriedStatusIsWrittenAgainstTheServersStatus(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "g"}
	meta := metav1.ObjectMeta{Namespace: "ns", Name: "g", UID: "uid-carry", Generation: 2}
	group := func(rv string, present int32) *whatsappv1.WhatsAppGroup {
		m := meta
		m.ResourceVersion = rv
		return &whatsappv1.WhatsAppGroup{ObjectMeta: m, Status: whatsappv1.WhatsAppGroupStatus{PresentMembers: present}}
	}
	for _, tt := range []struct {
		name       string
		cached     *whatsappv1.WhatsAppGroup
		api        *apiReader
		wantReads  int
		wantBase   int32 // the base status's PresentMembers, as the kube-apiserver has it
		wantRV     string
		wantCarry  bool
		wantErrors bool
	}{
		{"cache shows the write", group("7", 20), &apiReader{err: errors.New("no read expected")}, 0, 20, "7", true, false},
		{"cache lags", group("6", 10), &apiReader{group: group("7", 20)}, 1, 20, "7", true, false},
		{"written since by someone else", group("6", 10), &apiReader{group: group("9", 25)}, 1, 25, "9", true, false},
		{"another group of that name", group("6", 10), &apiReader{group: &whatsappv1.WhatsAppGroup{ObjectMeta: metav1.ObjectMeta{UID: "other"}}}, 1, 10, "6", false, false},
		{"read fails", group("6", 10), &apiReader{err: errors.New("timeout")}, 1, 0, "", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &GroupReconciler{APIReader: tt.api}
			// The last sync wrote ahead at resourceVersion 7 and carried the status it wants.
			r.written.Store(key, lastWrite{uid: meta.UID, resourceVersion: "7"})
			r.carry.Store(key, &carried{uid: meta.UID, status: whatsappv1.WhatsAppGroupStatus{PresentMembers: 30}})
			g := *tt.cached
			g.Status = *tt.cached.Status.DeepCopy()
			err := r.startFromWritten(context.Background(), key, &g)
			_, carryKept := r.carry.Load(key)
			if tt.api.reads != tt.wantReads || (err != nil) != tt.wantErrors || carryKept != tt.wantCarry {
				t.Fatalf("reads %d, err %v, carried %v; want %d reads, error %t, carried %t", tt.api.reads, err, carryKept, tt.wantReads, tt.wantErrors, tt.wantCarry)
			}
			if err != nil {
				return
			}
			s := newGroupSync(r, &g, r.takeCarried(key, g.UID))
			if s.base.Status.PresentMembers != tt.wantBase || s.base.ResourceVersion != tt.wantRV {
				t.Errorf("base status %d at %q, want %d at %q", s.base.Status.PresentMembers, s.base.ResourceVersion, tt.wantBase, tt.wantRV)
			}
			if !tt.wantCarry && s.g.Status.PresentMembers != tt.cached.Status.PresentMembers {
				t.Errorf("status wanted %d, want the cached %d", s.g.Status.PresentMembers, tt.cached.Status.PresentMembers)
			}
			if tt.wantCarry && s.g.Status.PresentMembers != 30 {
				t.Errorf("status wanted %d, want the carried 30", s.g.Status.PresentMembers)
			}
		})
	}
}

// A sync that comes right after a status write, before the cache shows it, starts from the
// status written (read from the kube-apiserver), not from the cache's older one; a sync whose
// cache shows the write reads nothing.
func TestSyncAfterAWriteStartsFromTheWrittenStatus(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "g"}
	group := func(uid types.UID, rv string, present int32) *whatsappv1.WhatsAppGroup {
		return &whatsappv1.WhatsAppGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "g", UID: uid, Generation: 2, ResourceVersion: rv},
			Status: whatsappv1.WhatsAppGroupStatus{PresentMembers: present}}
	}
	for _, tt := range []struct {
		name        string
		written     *lastWrite
		api         *apiReader
		wantReads   int
		wantPresent int32
		wantRV      string
		wantErr     bool
		wantKept    bool
	}{
		{"no write", nil, &apiReader{err: errors.New("no read expected")}, 0, 10, "5", false, false},
		{"cache shows the write", &lastWrite{"uid-w", "5"}, &apiReader{err: errors.New("no read expected")}, 0, 10, "5", false, false},
		{"cache lags the write", &lastWrite{"uid-w", "6"}, &apiReader{group: group("uid-w", "6", 20)}, 1, 20, "6", false, false},
		{"a write to another group of that name", &lastWrite{"uid-old", "6"}, &apiReader{err: errors.New("no read expected")}, 0, 10, "5", false, false},
		{"read fails", &lastWrite{"uid-w", "6"}, &apiReader{err: errors.New("timeout")}, 1, 10, "5", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &GroupReconciler{APIReader: tt.api}
			if tt.written != nil {
				r.written.Store(key, *tt.written)
			}
			g := group("uid-w", "5", 10)
			err := r.startFromWritten(context.Background(), key, g)
			_, kept := r.written.Load(key)
			if (err != nil) != tt.wantErr || tt.api.reads != tt.wantReads || kept != tt.wantKept {
				t.Fatalf("err %v, reads %d, record kept %t; want error %t, %d reads, kept %t", err, tt.api.reads, kept, tt.wantErr, tt.wantReads, tt.wantKept)
			}
			if g.Status.PresentMembers != tt.wantPresent || g.ResourceVersion != tt.wantRV {
				t.Errorf("starts from status %d at %q, want %d at %q", g.Status.PresentMembers, g.ResourceVersion, tt.wantPresent, tt.wantRV)
			}
		})
	}
}
