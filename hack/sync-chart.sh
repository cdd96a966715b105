#!/usr/bin/env bash
# Copies what controller-gen generates into the Helm chart, so that config/ (kustomize) and
# charts/wagov always ship the same definitions and permissions:
#   config/crd/bases/*.yaml  -> charts/wagov/crds/
#   config/rbac/role.yaml    -> charts/wagov/files/manager-role.yaml (its rules feed the ClusterRole)
# `make manifests` runs it; test/manifests fails when they differ.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
chart="$root/charts/wagov"
mkdir -p "$chart/crds" "$chart/files"
rm -f "$chart/crds/"*.yaml
cp "$root"/config/crd/bases/*.yaml "$chart/crds/"
# The chart template reads .rules of a single ClusterRole; a namespaced +kubebuilder:rbac marker
# would make controller-gen emit more documents, which the chart does not handle yet.
if [ "$(grep -c '^kind:' "$root/config/rbac/role.yaml")" != 1 ]; then
  echo "sync-chart: config/rbac/role.yaml must hold exactly one ClusterRole" >&2
  exit 1
fi
cp "$root/config/rbac/role.yaml" "$chart/files/manager-role.yaml"
