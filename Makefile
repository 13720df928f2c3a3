# Insecurity Atlas — every entry point a newcomer needs. `make dashboard` and `make test` set
# everything up on a fresh machine (a venv from pyproject.toml; Debian chromium for browser tests).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := data/sample
PORT   ?= 8866

.PHONY: help install sample dashboard present test test-fast browser bench lint screenshot clean

help:
	@echo "make dashboard   set up, generate the sample city, serve dashboards/atlas.ipynb on http://localhost:$(PORT)"
	@echo "make serve       serve the dashboards to colleagues on the network (0.0.0.0:$(SERVE_PORT)), hardened by deploy/voila.py"
	@echo "make test        set up (incl. Debian chromium when root) and run the whole test suite"
	@echo "make bench       run every benchmarks/bench_*.py and write benchmarks/results.json"
	@echo "make sample      (re)generate the synthetic sample city in $(SAMPLE)/"
	@echo "make screenshot  PNGs of the dashboards in screenshots/"
	@echo "make lint        ruff"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

$(SAMPLE)/metadata.json: $(STAMP)
	$(BIN)/atlas sample --out $(SAMPLE)

sample: $(STAMP)
	$(BIN)/atlas sample --out $(SAMPLE)

dashboard: $(STAMP) $(SAMPLE)/metadata.json
	$(BIN)/voila dashboards/atlas.ipynb --no-browser --port=$(PORT) --Voila.ip=127.0.0.1 \
	  --MappingKernelManager.cull_idle_timeout=900 --MappingKernelManager.cull_interval=60

# For colleagues on a network: only the rendered dashboards are reachable, no tracebacks, idle
# kernels culled, one preheated kernel, upload limits (deploy/voila.py says what each setting closes).
SERVE_PORT ?= 8866
.PHONY: serve
serve: $(STAMP) $(SAMPLE)/metadata.json
	$(BIN)/voila dashboards --no-browser --Voila.config_file_paths=$(CURDIR)/deploy \
	  --Voila.ip=0.0.0.0 --port=$(SERVE_PORT)

# Browser tests drive Debian's chromium; a browser download cannot work here, so install the
# distribution package when we are root and it is missing (as CI is).
browser:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  echo "installing Debian chromium for browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium missing and not root: browser tests will skip locally (and fail on CI)"; fi

test: $(STAMP) browser $(SAMPLE)/metadata.json
	$(BIN)/ruff check geo tests benchmarks
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not browser and not slow"

bench: $(STAMP) browser $(SAMPLE)/metadata.json
	@rm -f benchmarks/results.json
	@set -e; for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done
	@echo "figures written to benchmarks/results.json"

screenshot: $(STAMP) browser $(SAMPLE)/metadata.json
	$(BIN)/python tests/screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check geo tests benchmarks

clean:
	rm -rf $(VENV) $(SAMPLE) data/cache .pytest_cache

# Mutation check (not part of `make test`): one-line changes of core logic, each on a temp copy
# of the tree, with the tests that should notice; prints the mutations no test catches.
.PHONY: mutations
mutations: $(STAMP)
	$(BIN)/python benchmarks/mutations.py
