package main

// Assembling the per-platform images into one index and writing it as an OCI layout.

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// refNameAnnotation names an image in an OCI layout's index.json; tools address it as <layout>:<tag>.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// source is where the image's code lives, the label registries such as ghcr.io link by.
const source = "https://github.com/wagov/wagov"

// assemble returns the index of one image per platform, binaries[i] being platforms[i]'s.
func assemble(binaries []string, tag string, created time.Time) (v1.ImageIndex, error) {
	index := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for i, p := range platforms {
		img, err := platformImage(p, binaries[i], tag, created)
		if err != nil {
			return nil, fmt.Errorf("image for %s/%s: %w", p.OS, p.Architecture, err)
		}
		index = mutate.AppendManifests(index, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &p},
		})
	}
	return index, nil
}

// platformImage is the scratch image running binary as the non-root user on platform p.
func platformImage(p v1.Platform, binary, tag string, created time.Time) (v1.Image, error) {
	layer, err := rootfsLayer(binary, created)
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	base, err = mutate.ConfigFile(base, &v1.ConfigFile{
		Created:      v1.Time{Time: created},
		OS:           p.OS,
		Architecture: p.Architecture,
		RootFS:       v1.RootFS{Type: "layers"},
		Config: v1.Config{
			User:       nonRootUser,
			Entrypoint: []string{"/" + binaryPath},
			WorkingDir: "/",
			Labels: map[string]string{
				"org.opencontainers.image.source":  source,
				"org.opencontainers.image.version": tag,
			},
		},
	})
	if err != nil {
		return nil, err
	}
	return mutate.Append(base, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "hack/image: " + binaryPath + ", CA certificates, user nonroot"},
	})
}

// writeLayout replaces the OCI layout at out with one holding index under the name tag and
// returns the index's digest. It refuses to replace a directory that is not an OCI layout.
func writeLayout(out string, index v1.ImageIndex, tag string) (v1.Hash, error) {
	if err := clearLayout(out); err != nil {
		return v1.Hash{}, err
	}
	digest, err := index.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	top := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{
		Add:        index,
		Descriptor: v1.Descriptor{Annotations: map[string]string{refNameAnnotation: tag}},
	})
	if _, err := layout.Write(out, top); err != nil {
		return v1.Hash{}, fmt.Errorf("write the OCI layout %s: %w", out, err)
	}
	return digest, nil
}

// clearLayout removes an earlier layout at out, so that blobs of older builds do not linger.
func clearLayout(out string) error {
	entries, err := os.ReadDir(out)
	if os.IsNotExist(err) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(out, "oci-layout")); err != nil {
		return fmt.Errorf("%s is not empty and not an OCI layout; not replacing it", out)
	}
	return os.RemoveAll(out)
}
