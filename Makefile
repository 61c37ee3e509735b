# otelgate: build, run, test and benchmark the distribution.
# Every tool the targets need is installed by this Makefile, at a pinned version, into .tools/bin.

SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools/bin
OCB_VERSION := v0.161.0
GOLANGCI_LINT_VERSION := v2.15.0
OCB := $(TOOLS)/builder
GOLANGCI_LINT := $(TOOLS)/golangci-lint
BIN := $(CURDIR)/bin/otelgate
# Serialises OCB runs: parallel test packages may each ask for the binary.
LOCK := flock $(CURDIR)/.tools/build.lock
TEST_TIMEOUT ?= 20m
BENCH ?= .
BENCHTIME ?= 1s

# image: where `make image` tags the image, and buildah's storage options
# (the smoke test passes --root/--runroot of a temporary directory).
IMAGE ?= otelgate:dev
BUILDAH ?= buildah
BUILDAH_FLAGS ?=
CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt

.PHONY: help all build generate image test-deploy k8s-sync check-generated keys run demo demo-overload test test-unit bench bench-e2e lint fuzz tools clean

## all: the default, same as build
all: build

## help: this list of targets (each documented by its "## name:" line)
help:
	@grep -E '^## [a-z0-9-]+:' $(MAKEFILE_LIST) | sed -E 's/^## ([a-z0-9-]+): (.*)/  \1\t\2/' | expand -t 18

$(OCB):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)

$(GOLANGCI_LINT):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

## tools: install the pinned OCB and golangci-lint into .tools/bin
tools: $(OCB) $(GOLANGCI_LINT)

## generate: regenerate the OCB sources in cmd/otelgate from builder-config.yaml (gofmt'd: OCB's templates are not)
generate: $(OCB)
	@mkdir -p $(CURDIR)/.tools
	$(LOCK) $(OCB) --config builder-config.yaml --skip-compilation
	gofmt -w cmd/otelgate/*.go

## check-generated: fail when cmd/otelgate differs from what builder-config.yaml generates
check-generated: generate
	@git diff --exit-code -- cmd/otelgate || { echo "cmd/otelgate is out of date: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- cmd/otelgate)" || { git status --porcelain -- cmd/otelgate; echo "untracked generated files"; exit 1; }

## build: compile bin/otelgate from the committed OCB sources (static: the image runs the same binary)
build:
	@mkdir -p $(CURDIR)/.tools $(CURDIR)/bin
	cd cmd/otelgate && CGO_ENABLED=0 $(LOCK) $(GO) build -trimpath -o $(BIN) .
	@echo "built $(BIN)"

## image: the gateway image from Dockerfile (FROM scratch, static bin/otelgate, uid 10001), built
## with buildah (no Docker engine, no base image pulled); the CA bundle of this machine goes in for TLS to backends
image: build
	@command -v $(BUILDAH) >/dev/null || { echo "make image: buildah not found (apt-get install -y buildah)"; exit 1; }
	@mkdir -p deploy/image/etc
	@if [ -f $(CA_BUNDLE) ]; then cp $(CA_BUNDLE) deploy/image/etc/ca-certificates.crt; \
	 else echo "make image: no CA bundle at $(CA_BUNDLE): the image trusts no CA"; : > deploy/image/etc/ca-certificates.crt; fi
	$(BUILDAH) $(BUILDAH_FLAGS) --storage-driver vfs bud --isolation chroot --layers=false -f Dockerfile -t $(IMAGE) .

## keys: a local key ring for config.yaml's encryption processor and a local
## client token (tenant "local") for its receivers, generated once, never committed
KEYS_FILE ?= data/keys.yaml
TOKENS_FILE ?= data/tokens.yaml
keys:
	@mkdir -p $(dir $(KEYS_FILE)) && chmod 700 $(dir $(KEYS_FILE))
	@test -f $(KEYS_FILE) || $(GO) run ./cmd/otelgate-keys generate --out $(KEYS_FILE) --id local-$$(date -u +%Y%m%d)
	@echo "key ring $(KEYS_FILE) (rotate with: go run ./cmd/otelgate-keys add --file $(KEYS_FILE) --activate)"
	@mkdir -p $(dir $(TOKENS_FILE))
	@test -f $(TOKENS_FILE) || (umask 077 && printf 'tokens:\n  - tenant: local\n    token: %s\n' \
		"$$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')" > $(TOKENS_FILE))
	@echo "client tokens $(TOKENS_FILE) (send: Authorization: Bearer <token of tenant local>)"

## run: the gateway with config.yaml (plaintext receivers; TLS: add --config deploy/tls.yaml, see README)
run: build keys
	OTELGATE_KEYS_FILE=$(KEYS_FILE) OTELGATE_TOKENS_FILE=$(TOKENS_FILE) $(BIN) --config config.yaml

## demo: sink + gateway + load, then a summary table (no external service needed)
## (DEMO_CONFIG=e2e/testdata/passthrough.yaml shows the all-pass floor: sent == received)
DEMO_CONFIG ?= config.yaml
demo: build
	$(GO) run ./cmd/demo --bin $(BIN) --config $(DEMO_CONFIG)

## demo-overload: the demo with a backend that slows down mid-run: load shedding lowers the sampling
## factor and restores it, nothing is refused, adjusted counts still add up (demo/overload.yaml)
demo-overload: build
	$(GO) run ./cmd/demo --bin $(BIN) --config config.yaml --overlay demo/overload.yaml \
		--duration 30s --rate 1000 --slow-from 5s --slow-until 15s --slow-delay 2s

## test: unit, golden, property and end-to-end tests (e2e tests use bin/otelgate)
## (then the allocation tests again without -race, which adds allocations of its own;
## the deployment tests run in make test-deploy; the fleet tests, which hold several gateways to a
## budget per one-second interval, run after the rest, alone, so other packages' tests do not delay them)
DEPLOY_TESTS := TestImageSmoke|TestKubernetesPodLayout|TestKubernetesPodLayoutTLSRedis|TestKubernetesPodLayoutDrain
FLEET_TESTS := TestFleetConsistentSkewedStepAndLeave|TestFleetTailUniformRedisRestart
test: build
	OTELGATE_BIN=$(BIN) $(GO) test -race -timeout $(TEST_TIMEOUT) -skip '^($(DEPLOY_TESTS)|$(FLEET_TESTS))$$' ./...
	OTELGATE_BIN=$(BIN) $(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run '^($(FLEET_TESTS))$$' ./processor/adaptivesamplingprocessor/
	OTELGATE_SKIP_E2E=1 $(GO) test -count=1 -run 'Alloc' ./processor/... ./exporter/... ./extension/...

## test-deploy: deployment tests: Kubernetes manifests (kustomize, k8s.io/api), image smoke, pod layout
## (the manifests are tested by the module deploy/kubernetes/validate; the image smoke test skips without root or buildah)
test-deploy: build
	cd deploy/kubernetes/validate && $(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...
	OTELGATE_BIN=$(BIN) $(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run '^($(DEPLOY_TESTS))$$' -v ./e2e/

## k8s-sync: copy config.yaml, deploy/tls.yaml and tables/ownership.csv into deploy/kubernetes/base (its ConfigMaps)
k8s-sync:
	cp config.yaml deploy/kubernetes/base/config/config.yaml
	cp deploy/tls.yaml deploy/kubernetes/base/config/tls.yaml
	cp tables/ownership.csv deploy/kubernetes/base/tables/ownership.csv

## test-unit: everything except the tests that start the binary
test-unit:
	OTELGATE_SKIP_E2E=1 $(GO) test -race -timeout $(TEST_TIMEOUT) ./...

## bench: component micro-benchmarks next to their contrib twins, and config.yaml processor by processor (internal/shipped)
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) ./processor/... ./exporter/... ./extension/... ./internal/shipped/

## bench-e2e: the gateway under load, one pipeline per file in bench/, table to stdout and BENCHMARKS.md
bench-e2e: build
	$(GO) run ./cmd/benche2e --bin $(BIN) --configs bench --also config.yaml --out BENCHMARKS.md

## fuzz: every fuzz target for FUZZTIME each (the seed corpora also run in make test)
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./processor/adaptivesamplingprocessor:FuzzConsumeTraces \
	./processor/adaptivesamplingprocessor/internal/threshold:FuzzParseTraceState \
	./processor/attributefilterprocessor:FuzzCompileRules \
	./processor/attributefilterprocessor:FuzzProcess \
	./processor/attributefilterprocessor/internal/match:FuzzTruncate \
	./processor/enrichmentprocessor/internal/table:FuzzParse \
	./processor/aggregationprocessor:FuzzConsumeMetrics \
	./processor/encryptionprocessor/codec:FuzzDecodeValue \
	./processor/encryptionprocessor/codec:FuzzDecrypt \
	./processor/encryptionprocessor/codec:FuzzBase64URL \
	./exporter/compressionexporter/internal/codec:FuzzDecode
fuzz:
	@FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz.sh $(FUZZ_TARGETS)

## lint: golangci-lint v2 with .golangci.yml
lint: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...
	cd deploy/kubernetes/validate && $(GOLANGCI_LINT) run ./...

## clean: remove bin/ and the demo output
clean:
	rm -rf bin demo-output
