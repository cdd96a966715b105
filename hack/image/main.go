// Command image builds the operator's container image without a container daemon: it
// cross-compiles cmd/wagov for every platform, puts each binary on an empty (scratch) base with
// CA certificates and a non-root user, and writes the image index over all of them as an OCI
// layout. The same sources, toolchain and SOURCE_DATE_EPOCH give the same digest.
//
//	go run ./hack/image --out bin/image --tag 0.1.0   # what `make image` runs
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// platforms are the platforms the image is built for, in the order the index lists them.
var platforms = []v1.Platform{
	{OS: "linux", Architecture: "amd64"},
	{OS: "linux", Architecture: "arm64"},
}

func main() {
	out := flag.String("out", "bin/image", "directory to write the OCI layout to (replaced if it holds one)")
	tag := flag.String("tag", "", "the image's tag, recorded as the layout's org.opencontainers.image.ref.name")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *out, *tag); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

// run builds the binaries, assembles the index and writes the layout to out.
func run(ctx context.Context, out, tag string) error {
	if tag == "" {
		return errors.New("--tag is required")
	}
	created, err := sourceDate()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "wagov-image-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()

	binaries := make([]string, len(platforms))
	for i, p := range platforms {
		if binaries[i], err = compile(ctx, work, p); err != nil {
			return err
		}
	}
	index, err := assemble(binaries, tag, created)
	if err != nil {
		return err
	}
	digest, err := writeLayout(out, index, tag)
	if err != nil {
		return err
	}
	fmt.Printf("wrote the OCI layout %s: %s@%s (%d platforms)\n", out, tag, digest, len(platforms))
	return nil
}

// sourceDate is the time stamped on the image and its files: SOURCE_DATE_EPOCH when set (the
// reproducible-builds convention), else the Unix epoch.
func sourceDate() (time.Time, error) {
	env := os.Getenv("SOURCE_DATE_EPOCH")
	if env == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	secs, err := strconv.ParseInt(env, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: %w", env, err)
	}
	return time.Unix(secs, 0).UTC(), nil
}
