# Helsekiosk - build, run and test. `make help` lists the targets.
#
# Every Go command uses the build tag migrated_fynedo (FyneApp.toml: [Migrations] fyneDo = true); make adds no_emoji (TAGS, below).
# The kiosk binary needs cgo (Fyne's OpenGL/GLFW driver); scripts/deps.sh installs the system packages.

SHELL := /bin/bash
export LANG := C.UTF-8
export CGO_ENABLED := 1

GO       ?= go
# no_emoji: Fyne's bundled emoji font (4 MiB, parsed again for every text style: 9 MiB of heap on the
# welcome screen) is left out; emoji come from the system's Noto Color Emoji (fonts-noto-color-emoji,
# scripts/deps.sh and the package's Depends), loaded only when a text has one. docs/startup.md.
TAGS     := migrated_fynedo,no_emoji
ARGS     ?=
# make screenshot: ../shared/tools/screenshot OUT.png [-w S] [-s WxH] -- COMMAND...
SCREENSHOT_TOOL ?= ../shared/tools/screenshot
SHOT_LANG ?= nn
SHOT_SIZE ?= 1280x800
SHOT_WAIT ?= 8
SHOT_OUT  ?= docs/screenshots/welcome-$(SHOT_LANG).png

.DEFAULT_GOAL := help
.PHONY: help deps run backend test test-loaded lint-api conformance build generate bench screenshot screenshots clean deb deb-test startup soak load fuzz idle-cost

help: ## list the targets
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deps: ## install missing system packages (as root), or say what to install
	@bash scripts/deps.sh

# The first build compiles Fyne's GL driver, SQLite and the rest with cgo: minutes on a fresh machine, seconds after.
BUILD_NOTE = the first build takes several minutes (cgo: Fyne's OpenGL driver, SQLite); later ones take seconds

run: deps ## open the kiosk; no --api starts the demo backend in-process (make run ARGS="--lang en")
	@echo "make run: building the kiosk into bin/helsekiosk - $(BUILD_NOTE)"
	@$(GO) build -tags $(TAGS) -ldflags '$(VERSION_LDFLAGS)' -o bin/helsekiosk ./cmd/helsekiosk
	@echo "make run: starting bin/helsekiosk $(ARGS)"
	bin/helsekiosk $(ARGS)

backend: ## run the reference backend with demo data and the demo login (make backend ARGS="...")
	@echo "make backend: building the backend into bin/helsekiosk-backend - $(BUILD_NOTE)"
	@$(GO) build -tags $(TAGS) -ldflags '$(VERSION_LDFLAGS)' -o bin/helsekiosk-backend ./cmd/helsekiosk-backend
	bin/helsekiosk-backend --demo $(ARGS)

test: deps ## Spectral on the contract, go vet + all tests with the race detector (includes the Xvfb smoke test), then the package test
	@bash scripts/deps.sh --test
	bash scripts/spectral.sh
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -tags $(TAGS) -race -count=1 -timeout 45m ./...
	$(MAKE) --no-print-directory deb-test

lint-api: ## lint api/openapi.yaml with Spectral (spectral:oas, no warning allowed)
	bash scripts/spectral.sh

conformance: ## run the conformance kit: make conformance ARGS="--config persons.toml --api URL" (default: the demo example)
	$(GO) run -tags $(TAGS) ./cmd/helsekiosk-conformance $(if $(ARGS),$(ARGS),--config internal/server/conformance/testdata/example.toml)

build: deps ## build bin/helsekiosk and bin/helsekiosk-backend
	$(GO) build -tags $(TAGS) -ldflags '$(VERSION_LDFLAGS)' -o bin/ ./cmd/...

generate: ## regenerate api/api.gen.go from api/openapi.yaml (oapi-codegen as a Go tool)
	$(GO) generate ./api/...

bench: deps ## run every benchmark once (figures and how to read them: docs/testing.md#benchmarks)
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./...

soak: ## 500 whole kiosk sessions: goroutines and live heap back to baseline (about 11 min)
	HELSEKIOSK_SOAK=1 FYNE_CACHE=3s $(GO) test -tags $(TAGS) -count=1 -timeout 60m -run '^TestSoakSessions$$' -v ./ui/

# make load LOAD_DB=postgres: two helsekiosk-backend replicas on one PostgreSQL (pgtest); LOAD_KILL=1 kills one
# with SIGKILL halfway. HELSEKIOSK_LOAD_KIOSKS and HELSEKIOSK_LOAD_DURATION (e.g. 20s) in the environment.
LOAD_DB   ?= sqlite
LOAD_KILL ?=
load: ## 200 simulated kiosks for 60 s on the reference backend: p50/p95/p99 latency, errors (LOAD_DB=postgres LOAD_KILL=1)
	HELSEKIOSK_LOAD=1 HELSEKIOSK_LOAD_DB=$(LOAD_DB) HELSEKIOSK_LOAD_KILL=$(LOAD_KILL) $(GO) test -tags $(TAGS) -count=1 -timeout 30m -run '^TestLoad$$' -v ./client/

FUZZTIME ?= 60s
fuzz: ## run every fuzz target for FUZZTIME (default 60s) each
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzProblemDecoding$$' -fuzztime $(FUZZTIME) ./client/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(FUZZTIME) ./internal/domain/nin/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzWorkingDays$$' -fuzztime $(FUZZTIME) ./internal/domain/workdays/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzMessageText$$' -fuzztime $(FUZZTIME) ./internal/server/backend/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzWrites$$' -fuzztime $(FUZZTIME) ./internal/server/backend/

screenshot: deps ## build bin/helsekiosk and save docs/screenshots/welcome-nn.png (needs ../shared/tools/screenshot)
	@test -x $(SCREENSHOT_TOOL) || { echo "screenshot: $(SCREENSHOT_TOOL) not found" >&2; exit 1; }
	$(GO) build -tags $(TAGS) -o bin/helsekiosk ./cmd/helsekiosk
	@mkdir -p $(dir $(SHOT_OUT))
	$(SCREENSHOT_TOOL) $(SHOT_OUT) -w $(SHOT_WAIT) -s $(SHOT_SIZE) -- bin/helsekiosk --lang $(SHOT_LANG) $(ARGS)

screenshots: ## render every screen in nn and nb at 1920x1080 and 1280x800, normal and extra large text, the staff page's kiosk list and the service pages (inbox, thread, tasks, week plan), into docs/screenshots/
	@mkdir -p docs/screenshots
	HELSEKIOSK_SHOTS=$(CURDIR)/docs/screenshots $(GO) test -tags $(TAGS) -count=1 -run 'TestShotsScreens' ./ui/
	HELSEKIOSK_SHOTS=$(CURDIR)/docs/screenshots $(GO) test -tags $(TAGS) -count=1 -run 'TestFleetInChromium|TestStaffPagesInChromium' ./internal/server/backend/

# make deb: dist/helsekiosk_VERSION-1_amd64.deb and dist/helsekiosk-backend_VERSION-1_amd64.deb with nfpm
# (a Go tool in go.mod). VERSION from git (scripts/version.sh) unless given: make deb VERSION=1.0.0
VERSION       ?= $(shell bash scripts/version.sh)
DEB_MAINTAINER ?= Helsekiosk maintainers <helsekiosk@example.org>
DEB_BUILD     := dist/deb-build
# Hardening as lintian checks it: PIE, relro and bindnow, fortified and stack-protected cgo code.
# The version the programs report: the kiosk in its heartbeat, the backend at /v1/health.
VERSION_LDFLAGS = -X github.com/helsekiosk/helsekiosk/ui.Version=$(VERSION) -X github.com/helsekiosk/helsekiosk/internal/server/backend.Version=$(VERSION)
DEB_LDFLAGS   = -s -w -linkmode=external -extldflags "-Wl,-z,relro,-z,now" $(VERSION_LDFLAGS)
DEB_CGO_CFLAGS := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong

deb: deps ## build the .deb packages of the kiosk and the backend into dist/ (nfpm)
	@rm -rf $(DEB_BUILD) dist/helsekiosk_*.deb dist/helsekiosk-backend_*.deb && mkdir -p $(DEB_BUILD)
	CGO_CFLAGS="$(DEB_CGO_CFLAGS)" $(GO) build -tags $(TAGS) -trimpath -buildmode=pie -ldflags '$(DEB_LDFLAGS)' \
		-o $(DEB_BUILD)/ ./cmd/helsekiosk ./cmd/helsekiosk-backend
	objcopy --remove-section=.comment $(DEB_BUILD)/helsekiosk
	objcopy --remove-section=.comment $(DEB_BUILD)/helsekiosk-backend
	bash packaging/docs.sh $(DEB_BUILD) $(VERSION) "$(DEB_MAINTAINER)"
	@for p in helsekiosk helsekiosk-backend; do \
		DEB_VERSION="$(VERSION)" DEB_MAINTAINER="$(DEB_MAINTAINER)" SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct) \
		$(GO) tool nfpm package --config packaging/$$p/nfpm.yaml --packager deb --target dist/ || exit 1; \
	done
	@ls -1 dist/*.deb

deb-test: deb ## make deb, then check both .deb (files, lintian) and install, remove, purge them in a debootstrap chroot (root)
	@bash scripts/deps.sh --test
	bash scripts/deb-test.sh dist/helsekiosk_$(VERSION)-1_amd64.deb dist/helsekiosk-backend_$(VERSION)-1_amd64.deb

LOADED_RUNS ?= 3
test-loaded: deps ## make test LOADED_RUNS times (default 3) beside stress-ng --cpu 2, then the X and browser packages with -race -count=2
	RUNS=$(LOADED_RUNS) bash scripts/loaded-test.sh

startup: deps ## launch-to-first-paint and memory (PSS) under Xvfb, beside Chromium --kiosk (scripts/startup.sh)
	$(GO) build -tags $(TAGS) -o bin/helsekiosk ./cmd/helsekiosk
	bash scripts/startup.sh bin/helsekiosk

IDLE_MINUTES ?= 10
idle-cost: deps ## CPU and PSS of the idle kiosk session under cage vs a Chromium kiosk, IDLE_MINUTES each (default 10)
	@bash scripts/deps.sh --test
	$(GO) build -tags $(TAGS) -o bin/helsekiosk ./cmd/helsekiosk
	IDLE_MINUTES=$(IDLE_MINUTES) bash scripts/idle-cost.sh bin/helsekiosk

clean: ## remove bin/ and dist/
	rm -rf bin/ dist/
