package main

// The image's only layer: the operator binary, the CA bundle and the account files naming the
// non-root user, with fixed owners, modes and times so the tar is the same byte for byte.

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Where the files go in the image, and who runs it.
const (
	binaryPath   = "wagov"
	caBundlePath = "etc/ssl/certs/ca-certificates.crt"
	nonRootUser  = "65532:65532"
)

// hostCABundle is the CA bundle copied into the image.
const hostCABundle = "/etc/ssl/certs/ca-certificates.crt"

// passwd and group name root and the non-root user the image runs as (distroless's "nonroot").
const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group  = "root:x:0:\nnonroot:x:65532:\n"
)

// entry is one file or directory of the layer.
type entry struct {
	name string
	mode int64
	body []byte // nil for a directory
}

// rootfsLayer returns the layer holding binary at /wagov and the shared files, all stamped mtime.
func rootfsLayer(binary string, mtime time.Time) (v1.Layer, error) {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	certs, err := os.ReadFile(hostCABundle)
	if err != nil {
		return nil, fmt.Errorf("read the CA bundle: %w", err)
	}
	raw, err := tarOf([]entry{
		{name: "etc/", mode: 0o755},
		{name: "etc/group", mode: 0o444, body: []byte(group)},
		{name: "etc/passwd", mode: 0o444, body: []byte(passwd)},
		{name: "etc/ssl/", mode: 0o755},
		{name: "etc/ssl/certs/", mode: 0o755},
		{name: caBundlePath, mode: 0o444, body: certs},
		{name: binaryPath, mode: 0o555, body: bin},
	}, mtime)
	if err != nil {
		return nil, err
	}
	opener := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
	return tarball.LayerFromOpener(opener, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}

// tarOf writes entries, owned by root, as a USTAR archive: no PAX records, no access or change times.
func tarOf(entries []entry, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: mtime, Format: tar.FormatUSTAR, Typeflag: tar.TypeDir}
		if e.body != nil {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar %s: %w", e.name, err)
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, fmt.Errorf("tar %s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
