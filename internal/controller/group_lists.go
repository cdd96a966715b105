package controller

// This file owns spec.membersFrom and spec.adminsFrom: it resolves each referenced Secret or
// ConfigMap key to the numbers it holds and merges them with the inline lists. A source is read
// from the kube-apiserver only when its resourceVersion (from the metadata cache) changed, so a
// sync at rest reads none. A missing object or key, an empty list or an invalid line stops
// every write: a list that cannot be read is unknown, never "everyone left".

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/yaml"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/roster"
)

// maxListBytes bounds a source's value: 1024 numbers with comments fit many times over.
const maxListBytes = 256 << 10

// sourceKey names one key of one Secret or ConfigMap, as one group uses it.
type sourceKey struct {
	group                      types.NamespacedName
	kind, namespace, name, key string
}

func (k sourceKey) String() string {
	return fmt.Sprintf("%s %s/%s key %q", k.kind, k.namespace, k.name, k.key)
}

// parsedList is a source's numbers as of one resourceVersion.
type parsedList struct {
	version string
	numbers []roster.Phone
}

// numberLists keeps the parsed sources, so that an unchanged source costs no read.
type numberLists struct {
	mu    sync.Mutex
	lists map[sourceKey]parsedList
}

func (l *numberLists) get(k sourceKey, version string) ([]roster.Phone, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.lists[k]
	return p.numbers, ok && version != "" && p.version == version
}

func (l *numberLists) put(k sourceKey, version string, numbers []roster.Phone) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lists == nil {
		l.lists = map[sourceKey]parsedList{}
	}
	l.lists[k] = parsedList{version: version, numbers: numbers}
}

// forget drops the parsed sources a group that went away used (another group that uses one
// reads it again once), so that the memory held stays bounded by the groups there are.
func (l *numberLists) forget(group types.NamespacedName) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.lists {
		if k.group == group {
			delete(l.lists, k)
		}
	}
}

// resolveLists merges the inline lists with membersFrom and adminsFrom into the sync's
// declared roster, or settles the sync (Stalled, no writes) when a source cannot be used.
func resolveLists(ctx context.Context, s *groupSync) (reconcile.Result, error) {
	var err error
	if s.members, s.admins, err = s.r.declaredInline(ctx, s.g); err != nil {
		return reconcile.Result{}, err
	}
	var problems []string
	for _, from := range []struct {
		sources []whatsappv1.NumberListSource
		into    *[]roster.Phone
	}{{s.g.Spec.MembersFrom, &s.members}, {s.g.Spec.AdminsFrom, &s.admins}} {
		for _, src := range from.sources {
			numbers, err := s.r.readList(ctx, sourceKey{group: s.key(), kind: src.Kind, namespace: s.g.Namespace, name: src.Name, key: src.Key})
			if err != nil {
				var lp *listProblem
				if !errors.As(err, &lp) {
					return reconcile.Result{}, err
				}
				problems = append(problems, lp.Error())
				continue
			}
			*from.into = append(*from.into, numbers...)
		}
	}
	if len(problems) > 0 {
		s.settle(stalled, whatsappv1.ReasonMemberListUnavailable, "nothing is written until the member lists can be used: %s", strings.Join(problems, "; "))
		return s.recheck(), nil
	}
	// Fewer entries than the limit declare fewer numbers; only more are counted.
	if n := len(s.members) + len(s.admins); n > 1024 {
		if n = len(unionSet(s.members, s.admins)); n > 1024 {
			s.settle(stalled, whatsappv1.ReasonMemberListUnavailable, "members and admins together declare %d numbers, over WhatsApp's limit of 1024; nothing is written", n)
			return s.recheck(), nil
		}
	}
	return reconcile.Result{}, nil
}

// listProblem is a source that cannot be used, in words for the condition.
type listProblem struct{ msg string }

func (p *listProblem) Error() string { return p.msg }

// readList returns a source's numbers, reading it only when its resourceVersion changed.
func (r *GroupReconciler) readList(ctx context.Context, k sourceKey) ([]roster.Phone, error) {
	like := client.Object(&corev1.Secret{})
	if k.kind == "ConfigMap" {
		like = &corev1.ConfigMap{}
	}
	version := r.sourceVersion(ctx, k)
	if numbers, ok := r.lists.get(k, version); ok {
		return numbers, nil
	}
	if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: k.namespace, Name: k.name}, like); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &listProblem{fmt.Sprintf("%s %q not found", k.kind, k.name)}
		}
		return nil, fmt.Errorf("read %s: %w", k, err)
	}
	raw, ok := sourceValue(like, k.key)
	if !ok {
		return nil, &listProblem{fmt.Sprintf("%s %q has no key %q", k.kind, k.name, k.key)}
	}
	if len(raw) > maxListBytes {
		return nil, &listProblem{fmt.Sprintf("%s %q key %q is over %d bytes", k.kind, k.name, k.key, maxListBytes)}
	}
	numbers, invalid := ParseNumberList(raw)
	switch {
	case len(invalid) > 0:
		return nil, &listProblem{fmt.Sprintf("%s %q key %q has lines that are not possible phone numbers: %s", k.kind, k.name, k.key, strings.Join(firstN(invalid, 5), "; "))}
	case len(numbers) == 0:
		return nil, &listProblem{fmt.Sprintf("%s %q key %q lists no number (an empty list is read as unknown, never as everyone left)", k.kind, k.name, k.key)}
	}
	r.lists.put(k, like.GetResourceVersion(), numbers)
	return numbers, nil
}

// sourceVersion is the source's resourceVersion in the metadata cache, "" when not known.
func (r *GroupReconciler) sourceVersion(ctx context.Context, k sourceKey) string {
	if r.Metadata == nil {
		return ""
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(k.kind))
	if err := r.Metadata.Get(ctx, types.NamespacedName{Namespace: k.namespace, Name: k.name}, m); err != nil {
		return ""
	}
	return m.ResourceVersion
}

func sourceValue(o client.Object, key string) (string, bool) {
	switch v := o.(type) {
	case *corev1.Secret:
		b, ok := v.Data[key]
		return string(b), ok
	case *corev1.ConfigMap:
		if s, ok := v.Data[key]; ok {
			return s, true
		}
		b, ok := v.BinaryData[key]
		return string(b), ok
	}
	return "", false
}

// ParseNumberList reads a list of phone numbers: a YAML list, or one number per line; "#"
// starts a comment. It returns the valid numbers (roster.Validate) and each invalid line, quoted
// with its line number.
func ParseNumberList(raw string) (numbers []roster.Phone, invalid []string) {
	lines := strings.Split(raw, "\n")
	if strings.HasPrefix(strings.TrimSpace(raw), "[") {
		// A YAML flow list; a block list ("- +44…" lines) reads as lines.
		if err := yaml.Unmarshal([]byte(raw), &lines); err != nil {
			return nil, []string{"not a YAML list: " + err.Error()}
		}
	}
	seen := map[roster.Phone]bool{}
	for i, line := range lines {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		line = strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- ")), `"'`)
		if line == "" {
			continue
		}
		p, err := roster.Validate(line)
		if err != nil {
			invalid = append(invalid, fmt.Sprintf("line %d: %v", i+1, err))
			continue
		}
		if !seen[p] {
			seen[p] = true
			numbers = append(numbers, p)
		}
	}
	return numbers, invalid
}

func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
}

// numberSourcesIndex indexes groups by the Secrets and ConfigMaps their lists come from.
const numberSourcesIndex = "wagov.numberSources"

func numberSources(o client.Object) []string {
	g := o.(*whatsappv1.WhatsAppGroup)
	var out []string
	for _, src := range append(append([]whatsappv1.NumberListSource{}, g.Spec.MembersFrom...), g.Spec.AdminsFrom...) {
		out = append(out, src.Kind+"/"+g.Namespace+"/"+src.Name)
	}
	return out
}

// groupsUsing maps a changed Secret or ConfigMap to the groups whose lists come from it.
func (r *GroupReconciler) groupsUsing(kind string) func(context.Context, client.Object) []reconcile.Request {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		var groups whatsappv1.WhatsAppGroupList
		if err := r.Client.List(ctx, &groups, client.MatchingFields{numberSourcesIndex: kind + "/" + o.GetNamespace() + "/" + o.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
			return nil
		}
		return requests(groups.Items, func(*whatsappv1.WhatsAppGroup) bool { return true })
	}
}
