# Helsekiosk - build, run and test. `make help` lists the targets.
#
# Every Go command uses the build tag migrated_fynedo (FyneApp.toml: [Migrations] fyneDo = true).
# The kiosk binary needs cgo (Fyne's OpenGL/GLFW driver); scripts/deps.sh installs the system packages.

SHELL := /bin/bash
export LANG := C.UTF-8
export CGO_ENABLED := 1

GO       ?= go
TAGS     := migrated_fynedo
ARGS     ?=
# make screenshot: ../shared/tools/screenshot OUT.png [-w S] [-s WxH] -- COMMAND...
SCREENSHOT_TOOL ?= ../shared/tools/screenshot
SHOT_LANG ?= nn
SHOT_SIZE ?= 1280x800
SHOT_WAIT ?= 8
SHOT_OUT  ?= docs/screenshots/welcome-$(SHOT_LANG).png

.DEFAULT_GOAL := help
.PHONY: help deps run backend test build generate bench screenshot screenshots clean package startup soak load fuzz

help: ## list the targets
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

deps: ## install missing system packages (as root), or say what to install
	@bash scripts/deps.sh

run: deps ## open the kiosk; no --api starts the demo backend in-process (make run ARGS="--lang en")
	$(GO) run -tags $(TAGS) ./cmd/helsekiosk $(ARGS)

backend: ## run the reference backend with demo data and the demo login (make backend ARGS="...")
	$(GO) run -tags $(TAGS) ./cmd/helsekiosk-backend --demo $(ARGS)

test: deps ## go vet + all tests with the race detector (includes the Xvfb smoke test)
	@bash scripts/deps.sh --test
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -tags $(TAGS) -race -count=1 -timeout 30m ./...

build: deps ## build bin/helsekiosk and bin/helsekiosk-backend
	$(GO) build -tags $(TAGS) -o bin/ ./cmd/...

generate: ## regenerate api/api.gen.go from api/openapi.yaml (oapi-codegen as a Go tool)
	$(GO) generate ./api/...

bench: deps ## run the benchmarks (placeholder: figures follow with the messages work)
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./...

soak: ## 500 whole kiosk sessions: goroutines and live heap back to baseline (about 11 min)
	HELSEKIOSK_SOAK=1 FYNE_CACHE=3s $(GO) test -tags $(TAGS) -count=1 -timeout 60m -run '^TestSoakSessions$$' -v ./ui/

load: ## 200 simulated kiosks for 60 s on the reference backend: p50/p95/p99 latency, errors
	HELSEKIOSK_LOAD=1 $(GO) test -tags $(TAGS) -count=1 -timeout 30m -run '^TestLoad$$' -v ./client/

FUZZTIME ?= 60s
fuzz: ## run every fuzz target for FUZZTIME (default 60s) each
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzProblemDecoding$$' -fuzztime $(FUZZTIME) ./client/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(FUZZTIME) ./internal/nin/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzWorkingDays$$' -fuzztime $(FUZZTIME) ./internal/workdays/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzMessageText$$' -fuzztime $(FUZZTIME) ./internal/backend/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzWrites$$' -fuzztime $(FUZZTIME) ./internal/backend/

screenshot: deps ## build bin/helsekiosk and save docs/screenshots/welcome-nn.png (needs ../shared/tools/screenshot)
	@test -x $(SCREENSHOT_TOOL) || { echo "screenshot: $(SCREENSHOT_TOOL) not found" >&2; exit 1; }
	$(GO) build -tags $(TAGS) -o bin/helsekiosk ./cmd/helsekiosk
	@mkdir -p $(dir $(SHOT_OUT))
	$(SCREENSHOT_TOOL) $(SHOT_OUT) -w $(SHOT_WAIT) -s $(SHOT_SIZE) -- bin/helsekiosk --lang $(SHOT_LANG) $(ARGS)

screenshots: ## render every screen in nn and nb at 1920x1080, normal and extra large text, into docs/screenshots/
	@mkdir -p docs/screenshots
	HELSEKIOSK_SHOTS=$(CURDIR)/docs/screenshots $(GO) test -tags $(TAGS) -count=1 -run 'TestShotsScreens' ./ui/

package: deps ## build dist/Helsekiosk.tar.xz with fyne package (fyne.io/tools v1.7.4): unpack, then sudo make install
	$(GO) build -tags $(TAGS) -trimpath -ldflags "-s -w" -o bin/helsekiosk ./cmd/helsekiosk
	$(GO) run fyne.io/tools/cmd/fyne@v1.7.4 package -os linux --exe bin/helsekiosk --name Helsekiosk \
		--icon assets/icon.png --app-id no.kommune.helsekiosk --release
	@mkdir -p dist && mv Helsekiosk.tar.xz dist/ && echo "dist/Helsekiosk.tar.xz"

startup: deps ## measure launch-to-first-paint and memory (PSS) under Xvfb (scripts/startup.sh)
	$(GO) build -tags $(TAGS) -o bin/helsekiosk ./cmd/helsekiosk
	bash scripts/startup.sh bin/helsekiosk

clean: ## remove bin/ and dist/
	rm -rf bin/ dist/
