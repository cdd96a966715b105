package e2e

// This file owns the Kubernetes side: users of the control plane (each with a kubeconfig file)
// and running the real kubectl and helm from bin/ as one of them.

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// user is an identity on the control plane and its kubeconfig file.
type user struct {
	name       string
	kubeconfig string
}

// addUser provisions a user with a client certificate for name and groups, and writes its kubeconfig.
func addUser(name string, groups ...string) (user, error) {
	path, err := env.cp.Kubeconfig(env.scratch, name, groups...)
	if err != nil {
		return user{}, err
	}
	return user{name: name, kubeconfig: path}, nil
}

// serviceAccountUser is the identity a pod running as ServiceAccount namespace/name has.
func serviceAccountUser(namespace, name string) (user, error) {
	return addUser("system:serviceaccount:"+namespace+":"+name,
		"system:serviceaccounts", "system:serviceaccounts:"+namespace, "system:authenticated")
}

// run runs a tool from bin/ (kubectl or helm) as u in the repository root, with stdin when
// not nil, and returns stdout and stderr.
func (u user) run(stdin []byte, tool string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args = append([]string{"--kubeconfig", u.kubeconfig}, args...)
	if tool == "kubectl" {
		args = append([]string{"--cache-dir", filepath.Join(env.scratch, "kube-cache", u.name)}, args...)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(env.root, "bin", tool), args...)
	cmd.Dir = env.root
	cmd.Env = env.tools
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// must runs a tool as u and fails the test when it fails.
func (u user) must(t *testing.T, stdin []byte, tool string, args ...string) string {
	t.Helper()
	out, errOut, err := u.run(stdin, tool, args...)
	if err != nil {
		t.Fatalf("%s %s (as %s): %v\n%s%s", tool, strings.Join(args, " "), u.name, err, out, errOut)
	}
	return out
}

// kubectl runs kubectl as u and fails the test when it fails.
func (u user) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	return u.must(t, nil, "kubectl", args...)
}

// helm runs helm as u and fails the test when it fails.
func (u user) helm(t *testing.T, args ...string) string {
	t.Helper()
	return u.must(t, nil, "helm", args...)
}

// list returns the objects `kubectl get <what> -o json` prints, decoded as the API server
// encodes them (integers stay integers, as kstatus needs).
func (u user) list(t *testing.T, args ...string) []unstructured.Unstructured {
	t.Helper()
	out := u.kubectl(t, append(append([]string{"get"}, args...), "-o", "json")...)
	var l unstructured.UnstructuredList
	if err := l.UnmarshalJSON([]byte(out)); err != nil {
		t.Fatalf("decode kubectl get %s: %v", strings.Join(args, " "), err)
	}
	return l.Items
}

// canI asks the API server, as u, whether u may do verb on resource (kubectl auth can-i).
func (u user) canI(t *testing.T, verb, resource string, scope ...string) bool {
	t.Helper()
	out, errOut, err := u.run(nil, "kubectl", append([]string{"auth", "can-i", verb, resource}, scope...)...)
	answer := strings.TrimSpace(out)
	switch {
	case answer == "yes":
		return true
	case answer == "no" || strings.HasPrefix(answer, "no - "):
		return false
	}
	t.Fatalf("kubectl auth can-i %s %s %v: %v\n%s%s", verb, resource, scope, err, out, errOut)
	return false
}

// eventually polls ok every 100ms until it returns true, and fails the test after timeout.
func eventually(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
