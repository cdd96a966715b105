package controller

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/roster"
)

// apiReader answers a Get with its group, or err, and counts the reads.
type apiReader struct {
	client.Reader
	group *whatsappv1.WhatsAppGroup
	err   error
	reads int
}

func (r *apiReader) Get(_ context.Context, _ types.NamespacedName, obj client.Object, _ ...client.GetOption) error {
	r.reads++
	if r.err != nil {
		return r.err
	}
	*obj.(*whatsappv1.WhatsAppGroup) = *r.group.DeepCopy()
	return nil
}

func randomNumbers(rng *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		digits := 8 + rng.IntN(8) // 8 to 15
		b := []byte{'+', byte('1' + rng.IntN(9))}
		for range digits - 1 {
			b = append(b, byte('0'+rng.IntN(10)))
		}
		out[i] = string(b)
	}
	return out
}

// Packing keeps every number a sync would read from the lists, in order, and drops what phones
// drops.
func TestPackedNumbersUnpackToWhatPhonesReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		list := randomNumbers(rng, rng.IntN(300))
		if i%3 == 0 && len(list) > 0 {
			list[rng.IntN(len(list))] = "+0123456789" // refused by phones
		}
		if got, want := packNumbers(list).phones(), phones(list); !slices.Equal(got, want) {
			t.Fatalf("list %v: unpacked %v, want %v", list, got, want)
		}
	}
	extremes := numbers{999999999999999, 10000000}
	if got := extremes.phones(); !slices.Equal(got, []roster.Phone{"999999999999999", "10000000"}) {
		t.Errorf("the longest and shortest numbers unpack to %v", got)
	}
}

func packedGroupFor(t *testing.T, uid types.UID, generation int64) (*whatsappv1.WhatsAppGroup, []roster.Phone, []roster.Phone) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(generation), 5))
	g := &whatsappv1.WhatsAppGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "g", UID: uid, Generation: generation},
		Spec:       whatsappv1.WhatsAppGroupSpec{Members: randomNumbers(rng, 256), Admins: randomNumbers(rng, 4)},
	}
	members, admins := phones(g.Spec.Members), phones(g.Spec.Admins)
	out, err := StripUnread(g)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { groupLists.forget(out) })
	return out.(*whatsappv1.WhatsAppGroup), members, admins
}

// The cache holds the mark, not the lists; a sync reads the lists the object had, with no
// read of the kube-apiserver; a delete frees them.
func TestCachedGroupsKeepTheirListsPacked(t *testing.T) {
	g, members, admins := packedGroupFor(t, "uid-packed", 3)
	if !isPacked(g) || len(g.Spec.Members) != 1 || g.Spec.Admins != nil {
		t.Fatalf("cached lists: members %v, admins %v", g.Spec.Members, g.Spec.Admins)
	}
	if _, err := roster.Normalize(g.Spec.Members[0]); err == nil {
		t.Fatalf("the mark %q reads as a phone number", g.Spec.Members[0])
	}
	api := &apiReader{err: errors.New("no read expected")}
	r := &GroupReconciler{APIReader: api}
	gotMembers, gotAdmins, err := r.declaredInline(context.Background(), g)
	if err != nil || !slices.Equal(gotMembers, members) || !slices.Equal(gotAdmins, admins) || api.reads != 0 {
		t.Fatalf("declared %d members, %d admins, reads %d, err %v; want %d, %d, 0", len(gotMembers), len(gotAdmins), api.reads, err, len(members), len(admins))
	}
	// A status write brings the same generation back: nothing is parsed again.
	before, _ := groupLists.get(g.UID, 3)
	again := g.DeepCopy()
	again.Spec.Members, again.Spec.Admins = []string{"+447700900001"}, nil
	packGroupLists(again)
	if after, _ := groupLists.get(g.UID, 3); &after.members[0] != &before.members[0] {
		t.Error("the lists of a generation already packed were packed again")
	}
	groupLists.forget(toolscache.DeletedFinalStateUnknown{Key: "ns/g", Obj: g})
	if _, ok := groupLists.get(g.UID, 3); ok {
		t.Error("a deleted group's lists are still held")
	}
}

// A packed group whose lists are missing, or of another generation, never reads as a group
// that declares nobody: its lists come from the kube-apiserver, or the sync fails and retries.
func TestPackedGroupWithoutItsListsReadsThemOrFails(t *testing.T) {
	g, members, admins := packedGroupFor(t, "uid-missing", 7)
	full := &whatsappv1.WhatsAppGroup{ObjectMeta: *g.ObjectMeta.DeepCopy(), Spec: whatsappv1.WhatsAppGroupSpec{
		Members: make([]string, len(members)), Admins: make([]string, len(admins))}}
	for i, m := range members {
		full.Spec.Members[i] = m.E164()
	}
	for i, a := range admins {
		full.Spec.Admins[i] = a.E164()
	}
	notFound := apierrors.NewNotFound(schema.GroupResource{Resource: "whatsappgroups"}, "g")
	newer := full.DeepCopy()
	newer.Generation = 8
	for _, tt := range []struct {
		name    string
		cached  func() *whatsappv1.WhatsAppGroup
		api     *apiReader
		wantErr bool
	}{
		{"lists freed", func() *whatsappv1.WhatsAppGroup { groupLists.forget(g); return g }, &apiReader{group: full}, false},
		{"lists of another generation", func() *whatsappv1.WhatsAppGroup { o := g.DeepCopy(); o.Generation = 6; return o }, &apiReader{group: full}, true},
		{"group changed since", func() *whatsappv1.WhatsAppGroup { groupLists.forget(g); return g }, &apiReader{group: newer}, true},
		{"read fails", func() *whatsappv1.WhatsAppGroup { groupLists.forget(g); return g }, &apiReader{err: notFound}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cached := tt.cached()
			r := &GroupReconciler{APIReader: tt.api}
			gotMembers, gotAdmins, err := r.declaredInline(context.Background(), cached)
			if tt.api.reads != 1 {
				t.Errorf("%d reads of the kube-apiserver, want 1", tt.api.reads)
			}
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error; declared %d members", len(gotMembers))
				}
				return
			}
			if err != nil || !slices.Equal(gotMembers, members) || !slices.Equal(gotAdmins, admins) {
				t.Fatalf("declared %d members, %d admins, err %v; want %d, %d", len(gotMembers), len(gotAdmins), err, len(members), len(admins))
			}
		})
	}
}

// A group that did not come through the cache (kubectl-wagov reads them from the
// kube-apiserver) is read as it is.
func TestUnpackedGroupReadsItsOwnLists(t *testing.T) {
	g := &whatsappv1.WhatsAppGroup{Spec: whatsappv1.WhatsAppGroupSpec{Members: []string{"+447700900001", "+447700900002"}, Admins: []string{"+447700900001"}}}
	members, admins, err := (&GroupReconciler{}).declaredInline(context.Background(), g)
	if err != nil || fmt.Sprint(members, admins) != "[447700900001 447700900002] [447700900001]" {
		t.Errorf("declared %v, %v, err %v", members, admins, err)
	}
}
