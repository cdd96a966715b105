package cli

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

func TestStatus(t *testing.T) {
	retry := metav1.NewTime(testNow.Add(2 * time.Hour))
	stalled := group("stalled", func(g *whatsappv1.WhatsAppGroup) {
		g.Spec.Suspend = true
		g.Generation = 2
		g.Status = whatsappv1.WhatsAppGroupStatus{
			ObservedGeneration: 2, PresentMembers: 4, DeclaredMembers: 5, Admins: 3,
			LastSyncTime: &metav1.Time{Time: testNow.Add(-5 * time.Minute)},
			Conditions: []metav1.Condition{
				{Type: whatsappv1.ConditionReady, Status: metav1.ConditionFalse, Reason: whatsappv1.ReasonMemberFailures, Message: "1 changes could not be made"},
				{Type: whatsappv1.ConditionStalled, Status: metav1.ConditionTrue, Reason: whatsappv1.ReasonMemberFailures, Message: "1 changes could not be made"},
			},
			Pending:  &whatsappv1.PendingChanges{Add: []string{newMember}},
			InFlight: []whatsappv1.SentChange{{Member: adminN, Operation: "Promote", SentAt: metav1.NewTime(testNow.Add(-20 * time.Second))}},
			Failures: []whatsappv1.MemberFailure{{
				Member: newMember, Operation: "Add", Reason: "InviteRequired", Message: "403 privacy", Attempts: 3,
				Action: "their privacy settings allow only an invite: send them the group's invite link", LastSeen: metav1.NewTime(testNow.Add(-time.Minute)), RetryAfter: &retry,
			}},
		}
	})
	fresh := group("fresh")
	for _, c := range []struct {
		name string
		args []string
		objs []client.Object
		code int
		want []string
	}{
		{name: "one group with a failure", args: []string{"stalled"}, objs: []client.Object{stalled, fresh}, want: []string{
			"WhatsAppGroup community/stalled: group WAG-test through WhatsAppProvider community/twochat",
			planRow("Ready", "False MemberFailures: 1 changes could not be made"),
			planRow("Stalled", "True MemberFailures"),
			planRow("members", "4 present, 5 declared, 3 admins"),
			planRow("synced", "generation 2 of 2; last read 5m ago; last in sync never"),
			planRow("pending", "add "+newMember),
			planRow("in flight", "promote "+adminN+", sent 20s ago"),
			planRow("FAILED", "add "+newMember+": InviteRequired (3 attempts, last 60s ago; next try in 120m)"),
			planRow("", "  provider said: 403 privacy"),
			planRow("", "  what to do: their privacy settings allow only an invite: send them the group's invite link"),
			planRow("suspended", "no provider calls until `kubectl wagov resume stalled`"),
		}},
		{name: "every group in the namespace", objs: []client.Object{stalled, fresh}, want: []string{
			"WhatsAppGroup community/fresh", "none yet: the operator has not synced this group", "WhatsAppGroup community/stalled"}},
		{name: "no groups", want: []string{"No WhatsAppGroups in namespace community."}},
		{name: "a missing group", args: []string{"nope"}, code: ExitError, want: []string{`whatsappgroups.whatsapp.wagov.dev "nope" not found`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, liveGroup(), interceptor.Funcs{}, c.objs...)
			if code := f.run(append([]string{"status"}, c.args...)...); code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			wantContains(t, "output", f.out.String()+f.errOut.String(), c.want...)
			if len(f.reader.calls) > 0 {
				t.Errorf("status called the provider: %v", f.reader.calls)
			}
		})
	}
}

func TestReconcile(t *testing.T) {
	// handled echoes the annotation into status on every read, as the operator would after a sync.
	handled := interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		if err := c.Get(ctx, key, obj, opts...); err != nil {
			return err
		}
		if g, ok := obj.(*whatsappv1.WhatsAppGroup); ok {
			g.Status.LastHandledReconcileAt = g.Annotations[whatsappv1.ReconcileRequestedAtAnnotation]
		}
		return nil
	}}
	for _, c := range []struct {
		name  string
		funcs interceptor.Funcs
		args  []string
		code  int
		want  string
	}{
		{name: "handled", funcs: handled, want: "WhatsAppGroup community/g: synced"},
		{name: "not handled in time", args: []string{"--timeout", "100ms"}, code: ExitError, want: "did not handle the request within 100ms"},
		{name: "no wait", args: []string{"--timeout", "0"}, want: "sync requested at 2026-03-01T12:00:00Z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, liveGroup(), c.funcs, group("g"))
			if code := f.run(append([]string{"reconcile", "g"}, c.args...)...); code != c.code {
				t.Errorf("exit %d, want %d: %s", code, c.code, f.errOut)
			}
			wantContains(t, "output", f.out.String()+f.errOut.String(), c.want)
			var g whatsappv1.WhatsAppGroup
			if err := f.env.Kube.Get(context.Background(), client.ObjectKey{Namespace: testNS, Name: "g"}, &g); err != nil {
				t.Fatal(err)
			}
			if got := g.Annotations[whatsappv1.ReconcileRequestedAtAnnotation]; got != "2026-03-01T12:00:00Z" {
				t.Errorf("annotation %q, want the current time", got)
			}
		})
	}
}

func TestSuspendAndResume(t *testing.T) {
	f := newFixture(t, liveGroup(), interceptor.Funcs{}, group("g"))
	for _, c := range []struct {
		cmd  string
		want bool
	}{{"suspend", true}, {"resume", false}, {"suspend", true}} {
		if code := f.run(c.cmd, "g"); code != ExitOK {
			t.Fatalf("%s: exit %d: %s", c.cmd, code, f.errOut)
		}
		var g whatsappv1.WhatsAppGroup
		if err := f.env.Kube.Get(context.Background(), client.ObjectKey{Namespace: testNS, Name: "g"}, &g); err != nil {
			t.Fatal(err)
		}
		if g.Spec.Suspend != c.want || len(g.Spec.Members) != 4 {
			t.Errorf("after %s: suspend %v (want %v), members %v", c.cmd, g.Spec.Suspend, c.want, g.Spec.Members)
		}
	}
	if code := f.run("resume", "missing"); code != ExitError {
		t.Errorf("resume of a missing group: exit %d, want %d", code, ExitError)
	}
}
