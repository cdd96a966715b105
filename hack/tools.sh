#!/usr/bin/env bash
# Builds the pinned toolchain into bin/ from the Go module proxy alone:
# kube-apiserver, kubectl and etcd (the envtest control plane), controller-gen, helm and
# golangci-lint.
# Idempotent: a tool already built at its pinned version is linked from the cache, not rebuilt.
# Built binaries are kept in a per-user cache keyed by version, so a fresh clone costs seconds.
set -euo pipefail

K8S_VERSION=1.37.1
ETCD_VERSION=3.6.16
CONTROLLER_TOOLS_VERSION=0.23.0
HELM_VERSION=4.3.1
GOLANGCI_LINT_VERSION=2.15.0

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/bin"
assets="$bin/k8s/${K8S_VERSION}-linux-amd64"
cache="${WAGOV_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wagov/tools}"
mkdir -p "$bin" "$assets" "$cache"

export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
ldflags="-s -w"

log() { printf 'tools: %s\n' "$*" >&2; }

# install NAME VERSION DEST BUILD_FN: builds into the cache once, then links DEST to it.
install() {
  local name=$1 version=$2 dest=$3 build=$4
  local cached="$cache/$name-$version"
  if [ ! -x "$cached" ]; then
    log "building $name $version (once; cached in $cache)"
    local start=$SECONDS
    "$build" "$cached.tmp"
    mv "$cached.tmp" "$cached"
    log "built $name $version in $((SECONDS - start))s"
  fi
  ln -sfn "$cached" "$dest"
}

build_k8s() {
  local out=$1 tool=$2
  (
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    go mod init local/k8sbins >/dev/null 2>&1
    go mod edit -go=1.26.0
    local modfile
    modfile=$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
    [ -f "$modfile" ] || { log "cannot download k8s.io/kubernetes@v${K8S_VERSION}"; exit 1; }
    # Every staging module the kubernetes go.mod requires at v0.0.0 is replaced by its published tag.
    local staging
    staging=$(awk '/^require/ {r=1} r && $2 == "v0.0.0" && $1 ~ /^k8s.io\// {print $1}' "$modfile" | sort -u)
    for m in $staging; do go mod edit -replace="$m=$m@v0.${K8S_VERSION#1.}"; done
    go get "k8s.io/kubernetes/cmd/$tool@v${K8S_VERSION}" >/dev/null 2>&1 || go get "k8s.io/kubernetes/cmd/$tool@v${K8S_VERSION}"
    local ver="" minor
    minor=$(echo "$K8S_VERSION" | cut -d. -f2)
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ver="$ver -X $p.gitVersion=v${K8S_VERSION} -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
    done
    go build -trimpath -ldflags "$ldflags $ver" -o "$out" "k8s.io/kubernetes/cmd/$tool"
  )
}
build_apiserver() { build_k8s "$1" kube-apiserver; }
build_kubectl() { build_k8s "$1" kubectl; }

build_etcd() {
  local out=$1
  (
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    go mod init local/etcdbin >/dev/null 2>&1
    go mod edit -go=1.26.0
    go get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}" >/dev/null 2>&1 || go get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}"
    go build -trimpath -ldflags "$ldflags" -o "$out" go.etcd.io/etcd/server/v3
  )
}

gobuild_install() {
  local out=$1 pkg=$2 flags=$3 gobin
  gobin=$(mktemp -d)
  GOBIN="$gobin" go install -trimpath -ldflags "$flags" "$pkg"
  mv "$gobin"/* "$out"
  rm -rf "$gobin"
}
build_controller_gen() { gobuild_install "$1" "sigs.k8s.io/controller-tools/cmd/controller-gen@v${CONTROLLER_TOOLS_VERSION}" "$ldflags"; }
build_golangci_lint() { gobuild_install "$1" "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v${GOLANGCI_LINT_VERSION}" "$ldflags -X main.version=${GOLANGCI_LINT_VERSION}"; }
build_helm() { gobuild_install "$1" "helm.sh/helm/v4/cmd/helm@v${HELM_VERSION}" "$ldflags -X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION}"; }

want=${*:-all}
for t in $want; do
  case $t in
    etcd|all) install etcd "$ETCD_VERSION" "$assets/etcd" build_etcd ;;&
    kube-apiserver|all) install kube-apiserver "$K8S_VERSION" "$assets/kube-apiserver" build_apiserver ;;&
    kubectl|all)
      install kubectl "$K8S_VERSION" "$assets/kubectl" build_kubectl
      ln -sfn "$assets/kubectl" "$bin/kubectl" ;;&
    controller-gen|all) install controller-gen "$CONTROLLER_TOOLS_VERSION" "$bin/controller-gen" build_controller_gen ;;&
    helm|all) install helm "$HELM_VERSION" "$bin/helm" build_helm ;;&
    golangci-lint|all) install golangci-lint "$GOLANGCI_LINT_VERSION" "$bin/golangci-lint" build_golangci_lint ;;&
    etcd|kube-apiserver|kubectl|controller-gen|helm|golangci-lint|all) ;;
    *) log "unknown tool $t (want: etcd kube-apiserver kubectl controller-gen helm golangci-lint all)"; exit 2 ;;
  esac
done
