// Package image_test checks the operator image `make image` writes (hack/image): it builds the
// OCI layout twice and reads it back as a registry client would, from the layout alone.
package image_test

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// tag is the name the test builds give their image.
const tag = "0.0.0-test"

// machines are the ELF machines the binary must be built for, by image architecture.
var machines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// files are the image's files and their modes: the operator and what TLS and the user need, no shell.
var files = map[string]int64{
	"etc/":                              0o755,
	"etc/group":                         0o444,
	"etc/passwd":                        0o444,
	"etc/ssl/":                          0o755,
	"etc/ssl/certs/":                    0o755,
	"etc/ssl/certs/ca-certificates.crt": 0o444,
	"wagov":                             0o555,
}

// TestImage builds the image twice, each time cross-compiling the operator (the second compile
// comes from Go's build cache, the linking and the image assembly are done again), and checks
// the index, each platform's image and that the two builds are identical.
func TestImage(t *testing.T) {
	builder := filepath.Join(t.TempDir(), "image")
	run(t, "go", "build", "-o", builder, "github.com/wagov/wagov/hack/image")
	first, second := filepath.Join(t.TempDir(), "first"), filepath.Join(t.TempDir(), "second")
	run(t, builder, "--out", first, "--tag", tag)
	run(t, builder, "--out", second, "--tag", tag)

	index := taggedIndex(t, first)
	t.Run("reproducible", func(t *testing.T) {
		if a, b := digest(t, index), digest(t, taggedIndex(t, second)); a != b {
			t.Errorf("two builds of the same sources gave the indexes %s and %s", a, b)
		}
	})

	manifest, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, m := range manifest.Manifests {
		if m.Platform == nil {
			t.Fatalf("index entry %s has no platform", m.Digest)
		}
		platforms = append(platforms, m.Platform.String())
	}
	if want := []string{"linux/amd64", "linux/arm64"}; !slices.Equal(platforms, want) {
		t.Fatalf("the index lists %v, want %v", platforms, want)
	}
	for _, m := range manifest.Manifests {
		t.Run(m.Platform.String(), func(t *testing.T) {
			img, err := index.Image(m.Digest)
			if err != nil {
				t.Fatal(err)
			}
			checkConfig(t, img, *m.Platform)
			checkFiles(t, img, m.Platform.Architecture)
		})
	}
}

// checkConfig checks that img runs /wagov as the non-root user on platform p.
func checkConfig(t *testing.T, img v1.Image, p v1.Platform) {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != p.OS || cfg.Architecture != p.Architecture {
		t.Errorf("config is for %s/%s, the index says %s", cfg.OS, cfg.Architecture, p.String())
	}
	c := cfg.Config
	if c.User != "65532:65532" {
		t.Errorf("user %q, want the non-root 65532:65532", c.User)
	}
	if !slices.Equal(c.Entrypoint, []string{"/wagov"}) || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %q and cmd %q, want [/wagov] alone", c.Entrypoint, c.Cmd)
	}
	if c.WorkingDir != "/" {
		t.Errorf("working directory %q, want /", c.WorkingDir)
	}
}

// checkFiles checks that img's one layer holds exactly the expected files, the account files
// name the non-root user, the CA bundle is this machine's and /wagov is a static ELF for arch.
func checkFiles(t *testing.T, img v1.Image, arch string) {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	got := readLayer(t, layers[0])
	for name, mode := range files {
		h, ok := got[name]
		if !ok {
			t.Errorf("%s is missing", name)
			continue
		}
		if h.mode != mode || h.uid != 0 || h.gid != 0 {
			t.Errorf("%s: mode %o owner %d:%d, want %o 0:0", name, h.mode, h.uid, h.gid, mode)
		}
	}
	for name := range got {
		if _, ok := files[name]; !ok {
			t.Errorf("unexpected file %s (the image is to hold no shell or tools)", name)
		}
	}

	for name, line := range map[string]string{"etc/passwd": "nonroot:x:65532:65532:", "etc/group": "nonroot:x:65532:"} {
		if !strings.Contains(string(got[name].body), "\n"+line) {
			t.Errorf("%s does not name the user 65532 nonroot:\n%s", name, got[name].body)
		}
	}
	host, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got["etc/ssl/certs/ca-certificates.crt"].body, host) {
		t.Error("the CA bundle differs from this machine's /etc/ssl/certs/ca-certificates.crt")
	}
	checkBinary(t, got["wagov"].body, machines[arch])
}

// checkBinary checks that bin is a statically linked Linux executable for machine.
func checkBinary(t *testing.T, bin []byte, machine elf.Machine) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("/wagov is not an ELF file: %v", err)
	}
	if f.Machine != machine || f.Type != elf.ET_EXEC {
		t.Errorf("/wagov is a %v %v, want an executable for %v", f.Machine, f.Type, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("/wagov asks for a dynamic loader; want a static binary")
		}
	}
}

// file is what the test reads of a layer entry.
type file struct {
	mode     int64
	uid, gid int
	body     []byte
}

// readLayer returns the entries of layer by name.
func readLayer(t *testing.T, layer v1.Layer) map[string]file {
	t.Helper()
	rc, err := layer.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	got := map[string]file{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name] = file{mode: h.Mode, uid: h.Uid, gid: h.Gid, body: body}
	}
}

// taggedIndex returns the image index the OCI layout at dir names tag.
func taggedIndex(t *testing.T, dir string) v1.ImageIndex {
	t.Helper()
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var found []v1.Descriptor
	for _, d := range manifest.Manifests {
		if d.Annotations["org.opencontainers.image.ref.name"] == tag {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s/index.json names %q %d times, want once: %+v", dir, tag, len(found), manifest.Manifests)
	}
	index, err := top.ImageIndex(found[0].Digest)
	if err != nil {
		t.Fatalf("%s is not an image index: %v", found[0].Digest, err)
	}
	return index
}

// digest is index's digest.
func digest(t *testing.T, index v1.ImageIndex) v1.Hash {
	t.Helper()
	h, err := index.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// run runs a command that must succeed, showing its output on failure.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
