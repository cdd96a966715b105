package controller_test

// membersFrom and adminsFrom: numbers kept in Secrets and ConfigMaps, merged with the inline
// lists; a change to a list syncs the group at once; a list that cannot be used stops writes.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/controller"
	wagovroster "github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

func TestParseNumberList(t *testing.T) {
	tests := []struct {
		name, raw string
		want      []wagovroster.Phone
		invalid   int
	}{
		{"lines with comments", "# the field team\n+447700900123\n+33612345678  # Marie\n\n", []wagovroster.Phone{"447700900123", "33612345678"}, 0},
		{"a YAML block list", "- \"+447700900123\"\n- +33612345678\n", []wagovroster.Phone{"447700900123", "33612345678"}, 0},
		{"a YAML flow list", `["+447700900123", "+33612345678"]`, []wagovroster.Phone{"447700900123", "33612345678"}, 0},
		{"duplicates once", "+447700900123\n+447700900123\n", []wagovroster.Phone{"447700900123"}, 0},
		{"invalid lines are reported, not applied", "+447700900123\n07700 900123\n+4477009001\n", []wagovroster.Phone{"447700900123"}, 2},
		{"empty", "# nobody yet\n", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, invalid := controller.ParseNumberList(tt.raw)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || len(invalid) != tt.invalid {
				t.Errorf("got %v, invalid %q; want %v and %d invalid", got, invalid, tt.want, tt.invalid)
			}
		})
	}
}

func fromSecret(name, key string) whatsappv1.NumberListSource {
	return whatsappv1.NumberListSource{Kind: "Secret", Name: name, Key: key}
}

func fromConfigMap(name, key string) whatsappv1.NumberListSource {
	return whatsappv1.NumberListSource{Kind: "ConfigMap", Name: name, Key: key}
}

func TestMembersFromSecretAndConfigMap(t *testing.T) {
	const id, own = "WAG-lists", "+12125553400"
	ns := twoChatAccount(t, "lists", own, id)
	if err := k8s.Create(suiteCtx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "team"},
		StringData: map[string]string{"members": "# field team\n+447700900201\n+447700900202 # Ana\n"}}); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(suiteCtx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "leads"},
		Data: map[string]string{"admins": "- \"+447700900203\"\n"}}); err != nil {
		t.Fatal(err)
	}
	mark := time.Now()
	createGroup(t, ns, "listed", id, members("+447700900204"), admins(own), hourly, func(g *whatsappv1.WhatsAppGroup) {
		g.Spec.MembersFrom = []whatsappv1.NumberListSource{fromSecret("team", "members")}
		g.Spec.AdminsFrom = []whatsappv1.NumberListSource{fromConfigMap("leads", "admins")}
	})
	g := waitGroupCondition(t, ns, "listed", metav1.ConditionTrue, whatsappv1.ReasonInSync)
	wantRoles(t, id, map[string]string{"+447700900201": "member", "+447700900202": "member", "+447700900203": "admin", "+447700900204": "member"})
	if g.Status.DeclaredMembers != 5 {
		t.Errorf("declaredMembers %d, want 5 (own number, one inline, two from the Secret, one from the ConfigMap)", g.Status.DeclaredMembers)
	}

	// A change to the list syncs at once (the interval is an hour), without touching the group.
	generation := g.Generation
	eventually(t, 5*time.Second, func() error {
		var cm corev1.ConfigMap
		if err := k8s.Get(suiteCtx, types.NamespacedName{Namespace: ns, Name: "leads"}, &cm); err != nil {
			return err
		}
		cm.Data["admins"] += "- \"+447700900205\"\n"
		return k8s.Update(suiteCtx, &cm)
	})
	eventually(t, 10*time.Second, func() error {
		if r := roster(t, id); r["+447700900205"] != "admin" {
			return fmt.Errorf("roster %v, want +447700900205 admin", r)
		}
		return nil
	})
	if g := getGroup(t, ns, "listed"); g.Generation != generation {
		t.Errorf("the group's generation moved from %d to %d: the list change must not need a group edit", generation, g.Generation)
	}
	if n := calls(id, mark); n[sim.OpAdd] != 2 {
		t.Errorf("calls %v, want one add batch per list state", n)
	}
}

// A missing key or a bad line stops every write, with a condition naming the problem.
func TestUnusableMemberListStopsWrites(t *testing.T) {
	const id, own = "WAG-lists-bad", "+12125553500"
	ns := twoChatAccount(t, "lists-bad", own, id)
	if err := k8s.Create(suiteCtx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "roster"},
		Data: map[string]string{"typo": "+447700900301\n07700 900302\n"}}); err != nil {
		t.Fatal(err)
	}
	mark := time.Now()
	for name, src := range map[string]whatsappv1.NumberListSource{
		"missing-key":    fromConfigMap("roster", "members"),
		"missing-object": fromSecret("nowhere", "members"),
		"bad-line":       fromConfigMap("roster", "typo"),
	} {
		createGroup(t, ns, name, id, members("+447700900303"), admins(own), hourly, func(g *whatsappv1.WhatsAppGroup) {
			g.Spec.MembersFrom = []whatsappv1.NumberListSource{src}
		})
	}
	for name, words := range map[string]string{"missing-key": `no key "members"`, "missing-object": `"nowhere" not found`, "bad-line": "line 2"} {
		g := waitGroupCondition(t, ns, name, metav1.ConditionFalse, whatsappv1.ReasonMemberListUnavailable)
		if !hasCondition(g, whatsappv1.ConditionStalled, whatsappv1.ReasonMemberListUnavailable) {
			t.Errorf("%s: conditions %+v, want Stalled", name, g.Status.Conditions)
		}
		if c := findCondition(g.Status.Conditions, whatsappv1.ConditionReady); !strings.Contains(c.Message, words) {
			t.Errorf("%s: message %q, want it to say %q", name, c.Message, words)
		}
	}
	if n := calls(id, mark); len(n) != 0 {
		t.Errorf("calls %v, want none while the lists cannot be used", n)
	}
}
