# Insecurity Atlas — every entry point a newcomer needs. `make dashboard` and `make test` set
# everything up on a fresh machine (a venv from requirements.lock; Debian chromium for browser tests).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := data/sample
PORT   ?= 8866

.PHONY: help install sample dashboard present test test-fast browser poppler bench lint screenshot clean

help:
	@echo "make dashboard   set up, generate the sample city, serve both dashboards on http://localhost:$(PORT) (CITY=DIR: your city)"
	@echo "make serve       serve the dashboards to colleagues on the network (0.0.0.0:$(SERVE_PORT)), hardened by deploy/voila.py (POOL_SIZE=N: kernels kept warm)"
	@echo "make test        set up (incl. Debian chromium when root) and run the whole test suite"
	@echo "make lock        regenerate requirements.lock after a dependency change (UPGRADE=1: newest allowed)"
	@echo "make test-latest the whole suite on the newest versions pyproject.toml allows, in $(LATEST)/"
	@echo "make bench       run every benchmarks/bench_*.py and write benchmarks/results.json"
	@echo "make sample      (re)generate the synthetic sample city in $(SAMPLE)/"
	@echo "make screenshot  PNGs of the dashboards in screenshots/"
	@echo "make lint        ruff"

# The venv holds exactly requirements.lock, hash-checked and wheels only (uv, pip and setuptools
# included), then this checkout as an editable install built with the locked setuptools. uv comes
# first, by pip from its own hash-checked lines of the lock; `uv pip sync` then removes whatever the
# lock does not list. The stamp tells tests/test_lock.py that this venv came from the lock.
# Bytecode is compiled at install (uv does not by default): a machine with PYTHONDONTWRITEBYTECODE
# set would otherwise compile every module again in each kernel (`import geo.app` 4.3 s, not 0.6).
LOCK := requirements.lock

$(BIN)/uv: $(LOCK)
	$(PYTHON) -m venv $(VENV)
	awk '/^uv==/ {p = 1} p {print} p && !/\\$$/ {exit}' $(LOCK) > $(VENV)/uv-requirement.txt
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(VENV)/uv-requirement.txt
	touch $@

$(STAMP): $(LOCK) pyproject.toml $(BIN)/uv
	$(BIN)/uv pip sync --quiet --no-config --python $(BIN)/python --require-hashes \
	  --only-binary :all: --compile-bytecode $(LOCK)
	$(BIN)/uv pip install --quiet --no-config --python $(BIN)/python --no-deps \
	  --no-build-isolation --editable .
	$(BIN)/python -m compileall -q -j 0 geo
	echo "$(LOCK)" > $(STAMP)

install: $(STAMP)

# The sample city is an ordinary city project (atlas.yaml beside its files), generated and built.
$(SAMPLE)/build/CURRENT: $(STAMP)
	$(BIN)/atlas sample --out $(SAMPLE)
	$(BIN)/atlas build $(SAMPLE)

sample: $(STAMP)
	$(BIN)/atlas sample --out $(SAMPLE)
	$(BIN)/atlas build $(SAMPLE)

# CITY=DIR serves your own city project instead of the sample (built first: only what changed is
# rebuilt; exit code 1 = some rows were dropped, which the build report lists).
CITY ?=
city-build: $(STAMP) $(SAMPLE)/build/CURRENT
	@$(BIN)/atlas build $(or $(CITY),$(SAMPLE)) >/dev/null || [ $$? -eq 1 ]

dashboard: city-build
	$(BIN)/atlas serve $(or $(CITY),$(SAMPLE)) --port=$(PORT)

# For colleagues on a network: only the rendered dashboards are reachable, no tracebacks, idle
# kernels culled, upload limits (deploy/voila.py says what each setting closes); visitors cannot
# lower the project's k. POOL_SIZE: analyst kernels kept preheated for visitors arriving
# together, about the size of the room (atlas serve --pool-size; default 10, ~150 MB each).
SERVE_PORT ?= 8866
POOL_SIZE  ?=
.PHONY: serve city-build
serve: city-build
	$(BIN)/atlas serve $(or $(CITY),$(SAMPLE)) --public --port=$(SERVE_PORT) \
	  $(if $(POOL_SIZE),--pool-size=$(POOL_SIZE))

# Browser tests drive Debian's chromium; a browser download cannot work here, so install the
# distribution package when we are root and it is missing (as CI is).
browser:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  echo "installing Debian chromium for browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium missing and not root: browser tests will skip locally (and fail on CI)"; fi

test: $(STAMP) browser $(SAMPLE)/build/CURRENT
	$(BIN)/ruff check geo tests benchmarks
	$(BIN)/python -m pytest -q

# requirements.lock is generated, never edited by hand: `make lock` after changing dependencies in
# pyproject.toml keeps every locked version that still fits; `make lock UPGRADE=1` moves everything
# to the newest versions pyproject allows, UPGRADE_PACKAGE=name one package (README "Maintenance").
# uv is the locked one, from .venv.
# The lock is for our machines: CPython $(LOCK_PYTHON) on Linux x86_64.
LOCK_PYTHON := 3.11.7
LATEST      := .venv-latest
.PHONY: lock test-latest

lock: $(BIN)/uv
	$(BIN)/uv pip compile --quiet --no-config pyproject.toml --extra test --group install \
	  --generate-hashes --python-version $(LOCK_PYTHON) --python-platform x86_64-unknown-linux-gnu \
	  --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) \
	  $(if $(UPGRADE_PACKAGE),--upgrade-package $(UPGRADE_PACKAGE)) --output-file $(LOCK)

# An upgrade tried on purpose: the newest versions pyproject.toml allows (pip, as a library user
# would get them) in their own venv, through the whole suite and lint. .venv and the lock stay as
# they are; the versions that differ from the lock are printed first.
test-latest: browser $(SAMPLE)/metadata.json
	$(PYTHON) -m venv --clear $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --group install -e ".[test]"
	echo latest > $(LATEST)/.installed
	$(LATEST)/bin/python -m tests.lockfile --diff
	status=0; $(LATEST)/bin/python -m pytest -q || status=1; \
	  $(LATEST)/bin/ruff check geo tests benchmarks || status=1; exit $$status

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not browser and not slow"

# BENCH_QUICK=1: every script at tiny sizes, figures under *_quick names (a smoke run; the
# figures of record in results.json are kept). CI runs the same through tests/test_benchmarks.py.
bench: $(STAMP) browser $(SAMPLE)/build/CURRENT
	@[ "$$BENCH_QUICK" = "1" ] || rm -f benchmarks/results.json
	@set -e; for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done
	@echo "figures written to $${BENCH_RESULTS:-benchmarks/results.json}"

# The report's first page is rendered by poppler's pdftoppm: installed when root and missing
# (screenshots.py falls back to matplotlib's own PNG of that page otherwise).
poppler:
	@if command -v pdftoppm >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  echo "installing Debian poppler-utils for the report screenshot"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	else echo "pdftoppm missing and not root: the report page is drawn by matplotlib"; fi

screenshot: $(STAMP) browser poppler $(SAMPLE)/build/CURRENT
	$(BIN)/python tests/screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check geo tests benchmarks

clean:
	rm -rf $(VENV) $(LATEST) $(SAMPLE) data/cache .pytest_cache

# Mutation check (not part of `make test`): one-line changes of core logic, each on a temp copy
# of the tree, with the tests that should notice; prints the mutations no test catches.
.PHONY: mutations
mutations: $(STAMP)
	$(BIN)/python benchmarks/mutations.py
