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
	@echo "make dashboard   set up, generate the sample city, serve both dashboards on http://localhost:$(PORT) (CITY=DIR: your city)"
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
# kernels culled, one preheated kernel, upload limits (deploy/voila.py says what each setting
# closes); visitors cannot lower the project's k.
SERVE_PORT ?= 8866
.PHONY: serve city-build
serve: city-build
	$(BIN)/atlas serve $(or $(CITY),$(SAMPLE)) --public --port=$(SERVE_PORT)

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

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not browser and not slow"

# BENCH_QUICK=1: every script at tiny sizes, figures under *_quick names (a smoke run; the
# figures of record in results.json are kept). CI runs the same through tests/test_benchmarks.py.
bench: $(STAMP) browser $(SAMPLE)/build/CURRENT
	@[ "$$BENCH_QUICK" = "1" ] || rm -f benchmarks/results.json
	@set -e; for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done
	@echo "figures written to $${BENCH_RESULTS:-benchmarks/results.json}"

screenshot: $(STAMP) browser $(SAMPLE)/build/CURRENT
	$(BIN)/python tests/screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check geo tests benchmarks

clean:
	rm -rf $(VENV) $(SAMPLE) data/cache .pytest_cache
