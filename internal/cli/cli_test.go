package cli

// Test fixtures: a fake provider account that can only be read, a fake cluster, and a runner
// that executes a command line and returns its exit code and output.

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/controller"
	"github.com/wagov/wagov/internal/roster"
)

const (
	testNS    = "community"
	creatorN  = "+12125550199"
	selfN     = "+12125551000"
	groupID   = "WAG-test"
	adminN    = "+447700900611"
	memberN   = "+447700900612"
	newMember = "+447700900613"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeReader is a provider account that can only be read, as the plugin's GroupReader: it has
// no write method, so nothing a test runs could write.
type fakeReader struct {
	group roster.Group
	err   error
	calls []string
}

func (f *fakeReader) CheckAccount(context.Context) error {
	f.calls = append(f.calls, "check")
	return nil
}

func (f *fakeReader) ReadGroup(_ context.Context, id string) (roster.Group, error) {
	f.calls = append(f.calls, "read "+id)
	return f.group, f.err
}

// liveGroup is a group with a creator, the provider's own number as admin, another admin and a
// member, plus extra participants.
func liveGroup(extra ...roster.Participant) roster.Group {
	return roster.Group{ID: groupID, Name: "Field Agents (NYC)", Self: roster.MustNormalize(selfN), Participants: append([]roster.Participant{
		part(creatorN, roster.RoleSuperAdmin), part(selfN, roster.RoleAdmin), part(adminN, roster.RoleAdmin), part(memberN, roster.RoleMember),
	}, extra...)}
}

func part(number string, role roster.Role) roster.Participant {
	return roster.Participant{Phone: roster.MustNormalize(number), RawID: strings.TrimPrefix(number, "+") + "@c.us", Role: role}
}

func testProvider() *whatsappv1.WhatsAppProvider {
	return &whatsappv1.WhatsAppProvider{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "twochat"},
		Spec:       whatsappv1.ProviderSpec{Type: whatsappv1.ProviderTwoChat, Account: selfN, CredentialsRef: whatsappv1.SecretKeyRef{Name: "key", Key: "apiKey"}},
	}
}

// fixture is a fake cluster holding the provider and objs, a fake account, and the streams.
type fixture struct {
	env         *Env
	reader      *fakeReader
	out, errOut *bytes.Buffer
}

func newFixture(t *testing.T, live roster.Group, funcs interceptor.Funcs, objs ...client.Object) *fixture {
	t.Helper()
	scheme, err := controller.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	kube := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(append(objs, testProvider(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "key"}})...).
		WithStatusSubresource(&whatsappv1.WhatsAppGroup{}).
		WithInterceptorFuncs(funcs).Build()
	f := &fixture{reader: &fakeReader{group: live}, out: &bytes.Buffer{}, errOut: &bytes.Buffer{}}
	f.env = &Env{
		Kube: kube, Namespace: testNS, In: strings.NewReader(""), Out: f.out, ErrOut: f.errOut, Now: func() time.Time { return testNow },
		Connect: func(context.Context, whatsappv1.ProviderObject) (GroupReader, error) { return f.reader, nil },
	}
	return f
}

// run executes the command line and returns its exit code.
func (f *fixture) run(args ...string) int {
	streams := genericiooptions.IOStreams{In: f.env.In, Out: f.out, ErrOut: f.errOut}
	return execute(newRoot(streams, func() (*Env, error) { return f.env, nil }), args, f.errOut)
}

// group is a WhatsAppGroup on the test provider.
func group(name string, opts ...func(*whatsappv1.WhatsAppGroup)) *whatsappv1.WhatsAppGroup {
	g := &whatsappv1.WhatsAppGroup{
		TypeMeta:   metav1.TypeMeta{APIVersion: whatsappv1.GroupVersion.String(), Kind: groupKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: name},
		Spec: whatsappv1.WhatsAppGroupSpec{
			ProviderRef: whatsappv1.ProviderReference{Kind: "WhatsAppProvider", Name: "twochat"}, GroupID: groupID,
			Members: []string{creatorN, selfN, adminN, memberN}, Admins: []string{creatorN, selfN, adminN},
		},
	}
	for _, o := range opts {
		o(g)
	}
	return g
}

func wantContains(t *testing.T, what, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, got)
		}
	}
}
