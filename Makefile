# oca-collector. `make help` lists the targets.
SHELL   := /bin/bash
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/collector
LINT    := $(GO) tool -modfile=tools/go.mod golangci-lint
FUZZTIME ?= 10s

.PHONY: help build test test-short soak lint fuzz demo bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/collector with the version stamped in
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/collector

test: ## all tests with the race detector (the sshd tests skip without openssh-server or root)
	$(GO) test -race -count=1 -timeout 15m ./...

test-short: ## quick tests, no race detector
	$(GO) test -short -count=1 ./...

soak: ## the 2,000-device soak test without the race detector (make test runs a smaller one)
	$(GO) test -count=1 -run 'TestSoak' -v ./cmd/collector/

lint: ## gofmt, go vet and golangci-lint (pinned in tools/go.mod)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet ./...
	$(LINT) run ./...

fuzz: ## run every fuzz target for FUZZTIME each (scripts/fuzz.sh: retries Go 1.26's fuzztime deadline race)
	GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

demo: ## collect a simulated fleet on loopback and upload to a local OCA stand-in
	$(GO) run ./cmd/collector demo

# `make bench` knobs, from the environment: BENCH_SIM_DEVICES (200), BENCH_SIM_CONCURRENCY (64),
# BENCH_SIM_LATENCY (0,50ms: one run each), BENCH_SIM_ADDRESSES (0: all on 127.0.0.1),
# BENCH_SIM_MAX_SESSIONS (collector default), BENCH_SIM_BIG=1 (adds 10,000 devices at
# concurrency 500), BENCH_SSHD_DEVICES (200), BENCH_SSHD_CONCURRENCY (32), BENCH_SSHD_LATENCY
# (0; e.g. 0,50ms also runs every client behind a WAN), BENCH_SSHD_ANSIBLE=1 (adds Ansible, one
# task per command: about 4 s per device here). The sshd run needs root and openssh-server (else
# it is skipped); parallel-ssh, pdsh and clush are compared when installed.
bench: ## micro-benchmarks, then fleet runs (simulator; real sshd vs xargs+ssh, parallel-ssh, pdsh, clush): markdown + bench-results/bench.csv
	@mkdir -p bench-results
	set -o pipefail; $(GO) test -run '^$$' -bench . -benchmem -count 1 ./collector/ ./upload/ ./devices/ | tee bench-results/go-bench.txt
	set -o pipefail; $(GO) test -run '^$$' -bench . -benchtime 1x -count 1 -timeout 90m ./internal/bench/ | tee bench-results/fleet-bench.txt
	@scripts/bench-table.sh bench-results/go-bench.txt bench-results/fleet-bench.txt bench-results/bench.csv | tee bench-results/bench.md

clean: ## remove build and benchmark outputs
	rm -rf bin bench-results
