# Thin front door: every target is a line or two; CI calls the same ones.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
SCENARIOS := $(sort $(basename $(notdir $(wildcard scenarios/library/*.yaml))))

.PHONY: help venv demo test lint chaos-self test-deps test-fast bench ui regression history report keys list validate clean $(SCENARIOS)

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16
	@echo "scenarios:      $(SCENARIOS)"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)  ## create .venv and install requirements.txt

demo: $(STAMP)  ## run the primary-killed scenario (about 1 minute) and print the report's path
	$(PY) -m scenarios run primary-killed

test: $(STAMP) test-deps lint  ## lint, then the whole test suite, end-to-end runs included
	$(PY) -m pytest

lint: $(STAMP)  ## ruff (ruff.toml) and strict mypy on the sans-IO layers (mypy.ini)
	$(PY) -m ruff check .
	$(PY) -m mypy

# Debian packages some tests use: headless browser checks (chromium), blackholed origins
# (iptables), the run history on a real PostgreSQL server (postgresql). Installed when
# missing and we are root; otherwise those tests skip and print why.
test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v iptables >/dev/null || missing="$$missing iptables"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -z "$$missing" ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq; } \
	  || { echo "note: cannot install$$missing (not root, or no apt-get); the tests that need it skip with the reason"; exit 0; }; \
	for p in $$missing; do \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$p >/dev/null \
	    || echo "note: could not install $$p; the tests that need it skip with the reason"; \
	done

test-fast: $(STAMP)  ## the suite without the slow end-to-end runs
	$(PY) -m pytest -m "not slow"

list: $(STAMP)  ## the shipped scenarios
	@$(PY) -m scenarios list

validate: $(STAMP)  ## check every scenario file without starting anything
	$(PY) -m scenarios validate

ui: $(STAMP)  ## stack + Locust web UI with a Chaos tab on 127.0.0.1:8089 [DIST=file WORKERS=n]
	$(PY) -m scenarios.ui $(if $(DIST),--distribution $(DIST)) $(if $(WORKERS),--workers $(WORKERS)) $(UI_ARGS)

report: $(STAMP)  ## rebuild a run's report: make report RUN=results/...
	@test -n "$(RUN)" || { echo "usage: make report RUN=results/<run folder>" >&2; exit 2; }
	$(PY) -m reports build $(RUN)

regression: $(STAMP)  ## short runs of the 'regression: true' scenarios into results/regression-<time>/; fails if a threshold does or a key metric is worse than its baseline
	$(PY) -m scenarios regression $(if $(DURATION),--duration $(DURATION)) $(if $(DIST),--distribution $(DIST))

history: $(STAMP)  ## every recorded run against its baseline: a table and results/history/history.html [SCENARIO=name]
	$(PY) -m reports history $(if $(SCENARIO),--scenario $(SCENARIO))

chaos-self: $(STAMP)  ## break the harness itself (kill edge, Locust, origin, runner; random Ctrl-C) and check it holds
	$(PY) -m scenarios.chaos_self $(if $(DURATION),--duration $(DURATION)) $(if $(SIGINTS),--sigints $(SIGINTS))

bench: $(STAMP)  ## edge vs nginx proxy_cache and the bare origin (wrk), then the other benchmarks
	@command -v wrk >/dev/null && command -v nginx >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk nginx-light >/dev/null; } || echo "note: wrk/nginx missing and not root: install them to get every column"
	$(PY) -m bench

$(SCENARIOS): $(STAMP)
	$(PY) -m scenarios run $@

keys: $(STAMP)  ## fresh FLE key pair, OAC credentials and a TLS CA + certificates in keys/ (git-ignored; scenarios make their own)
	$(PY) -m origins keys --out keys
	$(PY) -m edge tls-dir keys/tls $(foreach d,$(wildcard distributions/*.json),--config $(d))

clean:  ## remove .venv and results/
	rm -rf $(VENV) results
