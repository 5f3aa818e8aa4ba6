# Durable Functions for Go: developer commands. `make help` lists them.
GO        ?= go
PKGS      ?= ./...
BENCHTIME ?= 1x

ADDR      ?=
APP       ?= samples

.PHONY: help build test unit bench lint run clean azurite redis chromium jsclient

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## compile every package and command
	$(GO) build $(PKGS)

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

unit: ## fast tests only (no Azurite, no child processes)
	$(GO) test -short $(PKGS)

test: lint azurite chromium redis jsclient ## everything CI runs: lint, all tests (starts Azurite and redis-server itself)
	$(GO) test -count=1 -timeout 15m $(PKGS)
	$(GO) test -count=1 -timeout 5m -tags durable_failpoints ./internal/crashtest/

azurite: ## install the pinned Azurite (tools/azurite, project-local) for the Azure Storage tests
	npm ci --prefix tools/azurite --no-audit --no-fund --loglevel=error

jsclient: ## install the pinned JavaScript Durable Functions client (tools/jsclient) for internal/jsclienttest
	npm ci --prefix tools/jsclient --no-audit --no-fund --loglevel=error

chromium: ## install Chromium (Debian's package) for the dashboard's browser tests
	command -v chromium || (apt-get update && apt-get install -y chromium)

redis: ## install redis-server and redis-cli (Debian package) for the Redis store tests, unless present
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null || (apt-get update && apt-get install -y redis-server)

bench: ## hot-path benchmarks (replay, dispatch, store commits)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

run: ## serve the sample app standalone at http://127.0.0.1:7071 (PORT=8080 make run for another port)
	$(GO) build -o bin/samples ./samples
	cd $(APP) && ../bin/samples $(if $(ADDR),--addr $(ADDR))

clean: ## remove build outputs and local state
	rm -rf bin .durable samples/.durable
