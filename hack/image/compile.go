package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// operatorPackage is the command the image runs.
const operatorPackage = "github.com/wagov/wagov/cmd/wagov"

// ldflags strips the symbol table and DWARF, as the Dockerfile does.
const ldflags = "-s -w"

// compile builds a static operator binary for platform p into dir and returns its path. Every
// input that could differ between machines is pinned: no cgo, no file paths, no VCS stamp, the
// baseline instruction set of each architecture.
func compile(ctx context.Context, dir string, p v1.Platform) (string, error) {
	bin := filepath.Join(dir, "wagov-"+p.OS+"-"+p.Architecture)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags="+ldflags, "-o", bin, operatorPackage)
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0",
		"GOOS="+p.OS,
		"GOARCH="+p.Architecture,
		"GOAMD64=v1",
		"GOARM64=v8.0",
	)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s for %s/%s: %w", operatorPackage, p.OS, p.Architecture, err)
	}
	return bin, nil
}
