# The operator image: a static wagov binary on distroless, running as a non-root user.
# Build: docker build -t ghcr.io/wagov/wagov:0.1.0 .

FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
# Dependencies first, so that a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/wagov ./cmd/wagov

FROM gcr.io/distroless/static:nonroot
COPY --from=builder /out/wagov /wagov
USER 65532:65532
ENTRYPOINT ["/wagov"]
