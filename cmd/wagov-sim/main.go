// Command wagov-sim serves an in-memory WhatsApp world through the provider HTTP dialects and
// the control API under /_sim/, on one listener. See internal/sim.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wagov/wagov/internal/sim"
	_ "github.com/wagov/wagov/internal/sim/dialects"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8090", "address to serve on")
	seedPath := flag.String("seed", "", "seed file (YAML or JSON); empty starts with an empty world")
	readLag := flag.Duration("read-lag", 0, "how far reads trail writes; overrides the seed's readLag when given")
	flag.Parse()
	if err := run(*listen, *seedPath, *readLag, flagGiven("read-lag")); err != nil {
		log.Fatalf("wagov-sim: %v", err)
	}
}

func run(listen, seedPath string, readLag time.Duration, lagGiven bool) error {
	var seed sim.Seed
	if seedPath != "" {
		var err error
		if seed, err = sim.LoadSeedFile(seedPath); err != nil {
			return err
		}
	}
	var opts []sim.Option
	if lagGiven {
		opts = append(opts, sim.WithReadLag(readLag))
	}
	s, err := sim.New(seed, opts...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: logRequests(s.Handler()), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("wagov-sim listening on http://%s\n", ln.Addr())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// logRequests logs method, path (never the query, which some providers use for credentials),
// status and duration of every request; never a header.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Printf("%s %s %d %s", r.Method, r.URL.Path, rec.status, time.Since(start).Round(time.Microsecond))
	})
}

// statusRecorder remembers the status a handler sent.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
