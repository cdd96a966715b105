#!/usr/bin/env bash
# Copies the generated CRDs into the Helm chart, so that config/ (kustomize) and charts/wagov
# always ship the same definitions. `make manifests` runs it; a test fails when they differ.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/charts/wagov/crds"
rm -f "$root/charts/wagov/crds/"*.yaml
cp "$root"/config/crd/bases/*.yaml "$root/charts/wagov/crds/"
