# kubeproof — see README.md. `make test` is the one test command (CI runs it via .ci/run).
GO        ?= go
BIN       ?= bin
GOFLAGS   ?=
export CGO_ENABLED ?= 0
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS   := -X github.com/kubeproof/kubeproof/internal/version.Override=$(VERSION) -X github.com/kubeproof/kubeproof/internal/version.RevisionOverride=$(REVISION)

.PHONY: all build test unit lint vet fmt-check deps-check fuzz-smoke bench demo kube-build kube-up kube-down clean

all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/kubeproof ./cmd/kubeproof-collect

## test: lint, layering, then every Go test (incl. the real kube-apiserver + etcd, started and stopped here)
test: lint deps-check kube-up
	@rc=0; $(GO) test -count=1 -timeout 40m ./... || rc=$$?; \
	  hack/kube-down.sh >/dev/null 2>&1 || true; exit $$rc

## unit: Go tests without starting the API server (cluster tests skip unless CI=true)
unit:
	$(GO) test ./...

lint: fmt-check vet

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## deps-check: the collector must not link analysis/report code; the analyzer must not link collection code
deps-check:
	@hack/deps-check.sh

fuzz-smoke:
	@hack/fuzz-smoke.sh

bench:
	@hack/bench.sh

demo: build
	@hack/demo.sh

kube-build:
	@hack/kube-build.sh >/dev/null

kube-up:
	@hack/kube-up.sh

kube-down:
	@hack/kube-down.sh

clean:
	rm -rf $(BIN) out
