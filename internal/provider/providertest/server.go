// server.go owns the scripted provider server: it answers each request from a script and
// records what it saw, so that a test can hold a client's requests against the documented ones.

package providertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Request is what a Server saw of one request.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path, unescaped; EscapedPath is it as sent.
	Path, EscapedPath string
	// Query is the raw query string.
	Query string
	// Header is the request's header.
	Header http.Header
	// Body is the request's body, read whole.
	Body []byte
}

// Reply is a Server's answer to one request.
type Reply struct {
	// Status is the HTTP status; it is required.
	Status int
	// Body is the answer's body.
	Body []byte
	// Header is set on the answer over its default Content-Type, application/json.
	Header http.Header
}

// Server is a scripted provider that records every request it answers.
type Server struct {
	// URL is the server's base URL, the client's endpoint.
	URL string

	mu   sync.Mutex
	seen []Request
}

// Serve starts a Server that answers each request with reply(request), until the test ends.
func Serve(t testing.TB, reply func(Request) Reply) *Server {
	t.Helper()
	s := &Server{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req := Request{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, b}
		s.mu.Lock()
		s.seen = append(s.seen, req)
		s.mu.Unlock()
		rep := reply(req)
		w.Header().Set("Content-Type", "application/json")
		for name, values := range rep.Header {
			w.Header()[name] = values
		}
		w.WriteHeader(rep.Status)
		_, _ = w.Write(rep.Body)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Requests returns the requests the server saw, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.seen...)
}

// Always is a script that answers every request with status and body.
func Always(status int, body []byte) func(Request) Reply {
	return func(Request) Reply { return Reply{Status: status, Body: body} }
}

// Routes is a script that answers "METHOD escaped-path" from routes, and any other request
// with otherwise.
func Routes(routes map[string]Reply, otherwise Reply) func(Request) Reply {
	return func(r Request) Reply {
		if rep, ok := routes[r.Method+" "+r.EscapedPath]; ok {
			return rep
		}
		return otherwise
	}
}
