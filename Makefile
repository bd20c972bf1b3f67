# studyloop: the two commands a newcomer needs are `make dev` and `make test`.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
# SAM CLI: no telemetry calls from developer machines or CI.
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1
CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR

PORT ?= 3000
export ADMIN_EMAIL ?= admin@studyloop.local
export ADMIN_PASSWORD ?= studyloop-admin-pw
LOCALCLOUD := $(CARGO_TARGET_DIR)/debug/localcloud

.PHONY: help tools build dev test fmt lint check unit sam-validate sam-build invoke clean bench cost cost-mix \
	web-deps web web-check chromium web-e2e openapi openapi-check contract

help:
	@echo "make dev    build everything and serve the API at http://127.0.0.1:$(PORT) (PORT=...)"
	@echo "make test   everything CI runs: fmt, clippy, the contract (document, template, Schemathesis), unit, handler and end-to-end tests, the web app in a browser"
	@echo "make web-e2e     the web app's browser tests (headless Chromium; screenshots in docs/screenshots/)"
	@echo "make openapi     regenerate docs/openapi.json and web/src/api/schema.d.ts from the code"
	@echo "make invoke FN=UsersSignUpFunction [EVENT=events/UsersSignUpFunction.json]   like sam local invoke"
	@echo "make sam-build   sam build (arm64, offline)    make clean   forget local data"
	@echo "make secrets STAGE=dev|prod   put the secrets from the environment into SSM Parameter Store (before a deploy)"
	@echo "make bench  release build + cold start, latency, memory and size of every function (not in make test)"
	@echo "make cost   monthly AWS cost at 0..10M requests vs a monolith and containers (uses bench/results.json, bench/mix.json)"
	@echo "make cost-mix   a scripted traffic mix through a local cloud: what each request consumes (bench/mix.json)"

# The Python tools (moto's SQS server, SAM CLI, cargo-lambda), pinned, in .venv.
tools: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	touch $@

# Every cargo build and test here lints as it compiles: clippy-driver compiles the workspace's own
# crates (what `cargo clippy` does under the hood, with `cargo check`), so dependencies compile
# once instead of twice and a warning fails the build. The bench (release) never goes through it.
LINTED := RUSTC_WORKSPACE_WRAPPER=$$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver) \
	CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
# --all-targets and api/assemble on purpose: every build, test and lint resolves features the same
# way (the test-only crates such as proptest add features to shared dependencies; the document's
# assembler is the api crate's example), so nothing compiles twice: one copy of every crate in target/.
CARGO_SELECT := --workspace --all-targets --features api/assemble

# Every function binary (the ones sam build packages), the local cloud, every test and the
# document's assembler, unoptimised.
build:
	$(LINTED) cargo build $(CARGO_SELECT)

dev: tools build web
	$(LOCALCLOUD) up --port $(PORT) --state-dir .localcloud --static-dir web/dist --invoke-on-start UsersSeedAdminFunction --invoke-on-start AssessmentsSeedCatalogueFunction --invoke-on-start LearningSeedCatalogueFunction --invoke-on-start InventorySeedCatalogueFunction

invoke: tools build
	$(LOCALCLOUD) invoke $(FN) --event $(or $(EVENT),events/$(FN).json) --state-dir .localcloud

fmt:
	cargo fmt --all --check

# clippy with -D warnings on every target (see LINTED); `cargo clippy` gives the same verdict.
lint: build

# The project's own template rules: a sample event and a binary per function, and more.
check: tools build
	$(LOCALCLOUD) check --template template.yaml
	@# What `sam build` compiles, one function package at a time, never has the crash points.
	@for dir in functions/*/; do pkg=$$(basename $$dir); \
		if cargo tree -q -p $$pkg -e features,normal -i shared | grep -q '"fault-injection"'; then \
			echo "$$pkg: a function's own build has shared/fault-injection"; exit 1; fi; done
	@echo "function builds: no fault-injection points"
	$(VENV)/bin/python tools/template/resources.py --template template.yaml
	$(VENV)/bin/python tools/template/dashboards.py --check --template template.yaml

sam-validate: tools
	sam validate --lint --template template.yaml

# Unit, handler (events/ against the DynamoDB emulator) and end-to-end tests (the local cloud);
# the longest end-to-end target runs beside the rest (tools/test/unit.py).
# The end-to-end tests' clouds record here which functions they routed a request to; the
# check after the tests fails for an HTTP function no end-to-end test reached
# (docs/adding-an-endpoint.md, step 8).
E2E_ROUTES := $(CARGO_TARGET_DIR)/e2e-routes

unit: tools build
	rm -rf $(E2E_ROUTES)
	E2E_ROUTE_LOG_DIR=$(abspath $(E2E_ROUTES)) $(LINTED) python3 tools/test/unit.py --workspace --features api/assemble
	$(LOCALCLOUD) check --template template.yaml --e2e-routes $(E2E_ROUTES)

# ---- the API contract (docs/contract-testing.md).
# npm packages of web/ (the app's Preact, openapi-fetch and Vite; openapi-typescript, Swagger UI,
# playwright-core, axe-core), exactly as locked; no install scripts.
WEB_DEPS := web/node_modules/.installed
web-deps: $(WEB_DEPS)
$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# web/dist: what the local cloud serves beside the API: the app at / and the API docs at /docs
# (docs/web.md). Prints the first screen's JavaScript, gzipped, and fails over its budget.
web: web-deps
	cd web && npm run --silent build

# The app type-checked against the generated API types (web/src/api/schema.d.ts): a contract
# change that breaks the app fails here.
web-check: web-deps
	cd web && npm run --silent check
	@echo "web: tsc --noEmit passed"

# Debian's Chromium and a Korean font (without one, Korean renders as boxes) for the browser
# tests; nothing to do when both are there. Playwright never downloads a browser here.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/nanum ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-nanum; \
	fi

# The app in headless Chromium against a local cloud of its own (web/e2e/, docs/web.md), at
# 390 and 1280 px; regenerates docs/screenshots/.
web-e2e: tools build web chromium
	cd web && LOCALCLOUD=$(LOCALCLOUD) npm run --silent e2e

OPENAPI := $(CARGO_TARGET_DIR)/debug/examples/openapi
$(OPENAPI): build

# The document from the code, and the TypeScript types from the document.
openapi: $(OPENAPI) web-deps
	$(OPENAPI) docs/openapi.json
	cd web && npx --no-install openapi-typescript ../docs/openapi.json --output src/api/schema.d.ts --silent

# Fails when the committed document or types are not what the code declares.
openapi-check: $(OPENAPI) web-deps
	$(OPENAPI) --check docs/openapi.json
	cd web && npx --no-install openapi-typescript ../docs/openapi.json --output $(CARGO_TARGET_DIR)/schema.d.ts --silent
	@cmp -s web/src/api/schema.d.ts $(CARGO_TARGET_DIR)/schema.d.ts \
		|| { echo "web/src/api/schema.d.ts is not what docs/openapi.json says: run make openapi"; exit 1; }
	@echo "web/src/api/schema.d.ts: up to date"

# Schemathesis against a fresh local cloud (tools/contract/fuzz.py; FUZZ_SECONDS, FUZZ_SEED).
FUZZ_SECONDS ?= 170
contract: tools build
	$(VENV)/bin/python tools/contract/fuzz.py --seconds $(FUZZ_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

test: fmt lint sam-validate openapi-check web-check check unit contract web-e2e

sam-build: tools
	rustup target add aarch64-unknown-linux-gnu
	sam build --template template.yaml --build-dir .aws-sam/build

# The stack's secrets into SSM Parameter Store before a deploy (docs/operations.md "Secrets"):
# `make secrets STAGE=prod` with the values in the environment (JWT_SIGNING_KEY, CURSOR_SECRET,
# ADMIN_PASSWORD, KAKAO_API_KEY, PAYMENT_PROVIDER_API_KEY; only those set are put). The local
# default ADMIN_PASSWORD above is never put: only one given in the environment or on the line.
.PHONY: secrets
secrets: tools
	$(if $(filter environment command line,$(origin ADMIN_PASSWORD)),,env -u ADMIN_PASSWORD) tools/secrets/put.sh

clean:
	rm -rf .localcloud .aws-sam

# ---- benchmark and cost model (docs/performance.md); not part of `make test`.
# The benchmark is a Cargo workspace of its own (bench/), built with the project's lock file.
BENCH_TOOLS := $(VENV)/.bench-installed
$(BENCH_TOOLS): tools/bench-requirements.txt $(VENV)/.installed
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/bench-requirements.txt
	touch $@

bench: tools $(BENCH_TOOLS)
	@started=$$(date +%s); \
	cp Cargo.lock bench/Cargo.lock && \
	CARGO_TARGET_DIR=$(CARGO_TARGET_DIR)/bench cargo build --quiet --manifest-path bench/Cargo.toml --profile driver -p bench && \
	$(CARGO_TARGET_DIR)/bench/driver/bench && \
	$(VENV)/bin/python tools/bench/report.py --quiet && \
	echo "make bench: $$(( $$(date +%s) - started )) s; bench/results.md, bench/results.png, docs/performance.md updated"

cost: $(BENCH_TOOLS)
	$(VENV)/bin/python tools/bench/cost.py

# The measured traffic mix (a local cloud of its own, the debug build) behind `make cost`'s
# per-request figures: writes bench/mix.json.
cost-mix: build
	python3 tools/bench/mix.py
