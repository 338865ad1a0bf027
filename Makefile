# tokenlab — one-command set-up, lab, tests.
#   make lab     start JupyterLab on notebooks/ (sets everything up first)
#   make test    run unit/property tests, then every notebook with nbval
#   make check-c every scenario as a C/C++ program, built with mingw-w64 into artifacts/c/
#   make html    the static edition: every notebook executed, as HTML pages in site/
#   make bench   optional: run benchmarks/*.py against winacl
#   make clean   remove the virtualenv and build/test leftovers
#
# binder/requirements.txt is the single environment definition: Binder installs it,
# and so does `make setup` (plus the test extra), so local, CI and Binder agree.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON   ?= python3
VENV     := .venv
VPY      := $(VENV)/bin/python
PIP      := $(VPY) -m pip --disable-pip-version-check
STAMP    := $(VENV)/.stamp-setup
BENCH_STAMP := $(VENV)/.stamp-bench

LAB_IP   ?= 127.0.0.1
LAB_PORT ?= 8888

NBVAL_SANITIZE := $(if $(wildcard notebooks/sanitize.cfg),--nbval-sanitize-with notebooks/sanitize.cfg)

.PHONY: help setup setup-test system-deps system-deps-test lab test test-unit \
        test-browser test-notebooks test-bench check-c bench html clean

help:
	@echo "make lab    - start JupyterLab on notebooks/ (sets up .venv first)"
	@echo "make test   - run the test suite and every notebook"
	@echo "make check-c - build every scenario as a Windows program with mingw-w64 (artifacts/c/)"
	@echo "make html   - build the static edition (site/index.html): notebooks executed, widgets saved"
	@echo "make bench  - run benchmarks/*.py (optional; installs winacl)"
	@echo "make clean  - remove .venv and build/test leftovers"

# ---------------------------------------------------------------- set-up

setup: system-deps $(STAMP)

setup-test: setup system-deps-test

system-deps:
	@tools/ensure-system-deps.sh binder/apt.txt

system-deps-test:
	@tools/ensure-system-deps.sh tools/apt-test.txt

$(VPY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when the environment definition changed (or the venv is new).
$(STAMP): pyproject.toml binder/requirements.txt | $(VPY)
	$(PIP) install -r binder/requirements.txt -e '.[test]'
	@touch $@

# ---------------------------------------------------------------- lab

lab: setup
	@flags="--ServerApp.root_dir=notebooks --ServerApp.ip=$(LAB_IP) --ServerApp.port=$(LAB_PORT)"; \
	if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ] && [ "$$(uname -s)" != Darwin ]; then \
	    flags="$$flags --no-browser"; \
	fi; \
	if [ "$$(id -u)" -eq 0 ]; then flags="$$flags --allow-root"; fi; \
	PATH="$(VENV)/bin:$$PATH" bash binder/postBuild >/dev/null; \
	echo "Starting JupyterLab at http://$(LAB_IP):$(LAB_PORT)/lab (open the URL with ?token=... printed below; Ctrl-C to stop)"; \
	exec $(VENV)/bin/jupyter lab $$flags

# ---------------------------------------------------------------- tests

test: setup-test
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory check-c
	@$(MAKE) --no-print-directory test-browser
	@$(MAKE) --no-print-directory test-bench
	@$(MAKE) --no-print-directory test-notebooks

# Unit, conformance and property tests. Browser tests run as their own step.
test-unit: setup
	$(VPY) -m pytest -p no:nbval tests --ignore=tests/browser

# Check it on Windows' headers: each scenario's C twin as one program, compiled and linked
# with mingw-w64 (installed by setup-test from tools/apt-test.txt) into artifacts/c/.
check-c: setup-test
	$(VPY) tools/check_c.py --out artifacts/c

test-browser: setup-test
	@if [ -d tests/browser ]; then \
	    echo "$(VPY) -m pytest -p no:nbval tests/browser"; \
	    $(VPY) -m pytest -p no:nbval tests/browser; \
	else echo "test-browser: no tests/browser yet, skipped"; fi

# Every notebook, top to bottom, outputs compared by nbval — three runs in a row, each in
# fresh kernels, so an output that varies between runs fails here and not on a learner.
# pytest exit code 5 ("no tests collected", i.e. no notebooks yet) counts as success here only.
NBVAL_RUNS ?= 3
test-notebooks: setup
	@for run in $$(seq 1 $(NBVAL_RUNS)); do \
	    echo "nbval run $$run of $(NBVAL_RUNS): $(VPY) -m pytest --nbval-lax $(NBVAL_SANITIZE) notebooks/"; \
	    rc=0; $(VPY) -m pytest --nbval-lax $(NBVAL_SANITIZE) notebooks/ || rc=$$?; \
	    if [ $$rc -eq 5 ]; then echo "test-notebooks: no notebooks collected, nothing to check"; exit 0; fi; \
	    if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	done

# ---------------------------------------------------------------- bench
# make test runs every benchmark in its quick mode so CI prints the ratios against winacl
# (a benchmark exits non-zero if tokenlab's answer is wrong); make bench runs them in full.
test-bench: setup $(BENCH_STAMP)
	@shopt -s nullglob; for f in benchmarks/*.py; do echo "== $$f --quick"; $(VPY) "$$f" --quick || exit $$?; done


$(BENCH_STAMP): $(STAMP)
	$(PIP) install -r binder/requirements.txt -e '.[test,bench]'
	@touch $@

bench: setup $(BENCH_STAMP)
	@shopt -s nullglob; files=(benchmarks/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "bench: no benchmarks/*.py"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(VPY) "$$f" || exit $$?; done

# ---------------------------------------------------------------- static edition
# Every notebook executed afresh with its widget state stored, written as self-contained
# HTML (graphs inline, widgets rendered from saved state, no CDN): site/index.html.
html: setup-test
	$(VPY) tools/build_site.py --out site

# ---------------------------------------------------------------- clean

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis artifacts site .cache
	find . -path ./.git -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -prune -exec rm -rf {} +
