package bench

// This file owns the count of kube-apiserver requests. The apiserver's own
// apiserver_request_total, read from its /metrics, counts everyone's: the operator's, the
// bench's, and the control plane's own housekeeping (lease renewals, the kubernetes Service's
// endpoints). The apiserver's audit log names each request's user, so the operator's are what
// the metrics count less the other users' requests; the bench also counts its own as it makes
// them.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/rest"
)

// request names a kind of kube-apiserver request as apiserver_request_total labels it.
type request struct {
	verb, resource, subresource string
}

func (r request) String() string {
	s := r.verb + " " + r.resource
	if r.subresource != "" {
		s += "/" + r.subresource
	}
	return s
}

// write reports whether the request changes something.
func (r request) write() bool {
	switch r.verb {
	case "POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION":
		return true
	}
	return false
}

// requestCounts are counts of requests by kind.
type requestCounts map[request]float64

// since returns the counts of c that were not yet in before.
func (c requestCounts) since(before requestCounts) requestCounts {
	out := requestCounts{}
	for k, v := range c {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func (c requestCounts) writes() float64 {
	n := 0.0
	for k, v := range c {
		if k.write() {
			n += v
		}
	}
	return n
}

func (c requestCounts) String() string {
	if len(c) == 0 {
		return "none"
	}
	var parts []string
	for k, v := range c {
		parts = append(parts, fmt.Sprintf("%s %.0f", k, v))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// apiserverRequests reads apiserver_request_total from the kube-apiserver's /metrics: resource
// requests only (a /metrics scrape is not one).
func apiserverRequests(ctx context.Context, hc *http.Client, host string) (requestCounts, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(host, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("kube-apiserver /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse kube-apiserver /metrics: %w", err)
	}
	out := requestCounts{}
	for _, m := range fams["apiserver_request_total"].GetMetric() {
		var r request
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "verb":
				r.verb = l.GetValue()
			case "resource":
				r.resource = l.GetValue()
			case "subresource":
				r.subresource = l.GetValue()
			}
		}
		if r.resource != "" {
			out[r] += m.GetCounter().GetValue()
		}
	}
	return out, nil
}

// countRequests makes cfg count the requests sent through it in n.
func countRequests(cfg *rest.Config, n *atomic.Int64) *rest.Config {
	out := rest.CopyConfig(cfg)
	out.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return rt.RoundTrip(r)
		})
	})
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// auditPolicy logs every request at the Metadata level (no bodies), once it is answered.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`

// auditVerbs are the audit log's verbs as apiserver_request_total names them.
var auditVerbs = map[string]string{
	"get": "GET", "list": "LIST", "watch": "WATCH", "create": "POST", "update": "PUT", "patch": "PATCH",
	"delete": "DELETE", "deletecollection": "DELETECOLLECTION",
}

// auditedRequests counts, by user, the resource requests in the audit log that the apiserver
// received in [from, to).
func auditedRequests(path string, from, to time.Time) (map[string]requestCounts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out, seen := map[string]requestCounts{}, map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev struct {
			AuditID string `json:"auditID"`
			Verb    string `json:"verb"`
			User    struct {
				Username string `json:"username"`
			} `json:"user"`
			ObjectRef *struct {
				Resource    string `json:"resource"`
				Subresource string `json:"subresource"`
			} `json:"objectRef"`
			Received time.Time `json:"requestReceivedTimestamp"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		// A watch is logged when its response starts and again when it ends.
		if ev.ObjectRef == nil || ev.Received.Before(from) || !ev.Received.Before(to) || seen[ev.AuditID] {
			continue
		}
		seen[ev.AuditID] = true
		if out[ev.User.Username] == nil {
			out[ev.User.Username] = requestCounts{}
		}
		out[ev.User.Username][request{verb: auditVerbs[ev.Verb], resource: ev.ObjectRef.Resource, subresource: ev.ObjectRef.Subresource}]++
	}
	return out, sc.Err()
}

// less returns c with every other user's requests but user's taken out.
func (c requestCounts) less(byUser map[string]requestCounts, user string) requestCounts {
	out := requestCounts{}
	for k, v := range c {
		out[k] = v
	}
	for u, counts := range byUser {
		if u == user {
			continue
		}
		for k, v := range counts {
			if out[k] -= v; out[k] <= 0 {
				delete(out, k)
			}
		}
	}
	return out
}
