# wagov: see README.md. Every target builds what it needs; hack/tools.sh installs the pinned
# toolchain (kube-apiserver, etcd, kubectl, controller-gen, helm) into bin/ from the Go module proxy.

SHELL := /usr/bin/env bash -o pipefail
K8S_VERSION := 1.37.1
BIN := $(CURDIR)/bin
export KUBEBUILDER_ASSETS := $(BIN)/k8s/$(K8S_VERSION)-linux-amd64
export GOTOOLCHAIN := local
export GOFLAGS := -buildvcs=false
CONTROLLER_GEN := $(BIN)/controller-gen
HELM := $(BIN)/helm
KUBECTL := $(BIN)/kubectl
GOLANGCI_LINT := $(BIN)/golangci-lint
# The image tag is the chart's appVersion, so that the chart and config/default deploy what `make image` builds.
APP_VERSION := $(shell sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\} *$$/\1/p' charts/wagov/Chart.yaml)

.PHONY: all
all: build

.PHONY: tools
tools: ## Build the pinned toolchain into bin/ (cached; seconds when already built).
	./hack/tools.sh all

$(CONTROLLER_GEN) $(HELM) $(KUBECTL) $(GOLANGCI_LINT) $(KUBEBUILDER_ASSETS)/kube-apiserver:
	./hack/tools.sh all

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Regenerate deepcopy code.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Regenerate CRDs and RBAC (config/ and the chart).
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=wagov-manager paths=./internal/controller/... output:rbac:artifacts:config=config/rbac
	./hack/sync-chart.sh

.PHONY: build
build: ## Build bin/wagov, bin/wagov-sim and bin/kubectl-wagov (the kubectl plugin).
	CGO_ENABLED=0 go build -o $(BIN)/wagov ./cmd/wagov
	CGO_ENABLED=0 go build -o $(BIN)/wagov-sim ./cmd/wagov-sim
	CGO_ENABLED=0 go build -o $(BIN)/kubectl-wagov ./cmd/kubectl-wagov

.PHONY: image
image: ## Build the multi-arch operator image (linux/amd64, linux/arm64) as an OCI layout in bin/image, no Docker needed.
	go run ./hack/image --out $(BIN)/image --tag $(APP_VERSION)

.PHONY: lint
lint: $(GOLANGCI_LINT) ## golangci-lint with .golangci.yml (govet with shadow, staticcheck, revive, errorlint, misspell, depguard, gofmt/goimports).
	$(GOLANGCI_LINT) run ./...

.PHONY: test
test: $(KUBEBUILDER_ASSETS)/kube-apiserver $(CONTROLLER_GEN) $(HELM) $(KUBECTL) lint ## Lint, then unit, simulator, envtest, chart, image, GitOps health and end-to-end (test/e2e) checks.
	go vet ./...
	WAGOV_REQUIRE_ENVTEST=1 go test -count=1 ./...

.PHONY: demo
demo: $(KUBEBUILDER_ASSETS)/kube-apiserver build ## Run the operator end to end against wagov-sim on a local control plane.
	go run ./hack/demo

.PHONY: fmt
fmt:
	gofmt -w $$(git ls-files '*.go')

.PHONY: bench
bench: $(KUBEBUILDER_ASSETS)/kube-apiserver ## The performance report against wagov-sim and its goal table (about 18 minutes; knobs in test/bench), then the planner's benchmark.
	go test -run '^$$' -bench . -benchtime 1x -timeout 60m ./test/bench/ && go test -run '^$$' -bench . -benchmem ./internal/plan/
