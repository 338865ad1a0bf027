# tokenlab — one-command set-up, lab, tests.
#   make lab     start JupyterLab on notebooks/ (sets everything up first)
#   make test    run unit/property tests, then every notebook with nbval
#   make check-c every scenario as a C/C++ program, built with mingw-w64 into artifacts/c/
#   make html    the static edition: every notebook executed, as HTML pages in site/
#   make lite    the live edition: a JupyterLite site in lite/ (Pyodide; no server needed)
#   make bench   optional: run benchmarks/*.py against winacl
#   make lock    regenerate binder/requirements.txt from pyproject.toml
#   make check-binder  replay Binder's install over its base environment; pip must agree
#   make clean   remove the virtualenv and build/test leftovers
#
# binder/requirements.txt is the single environment definition, every package pinned with
# its hashes (tools/lock.py): Binder installs it, and so does `make setup`, so local, CI and
# Binder agree. tokenlab itself is installed after it (binder/postBuild does the same).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Python of binder/runtime.txt (the lock is made for it); see tools/find-python.sh.
PYTHON   ?= $(shell tools/find-python.sh)
VENV     := .venv
VPY      := $(VENV)/bin/python
PIP      := $(VPY) -m pip --disable-pip-version-check
STAMP    := $(VENV)/.stamp-setup

LAB_IP   ?= 127.0.0.1
LAB_PORT ?= 8888

NBVAL_SANITIZE := $(if $(wildcard notebooks/sanitize.cfg),--nbval-sanitize-with notebooks/sanitize.cfg)

.PHONY: help setup setup-test system-deps system-deps-test lab test test-unit \
        test-browser test-notebooks test-bench check-c bench html lite test-lite lock check-lock \
        check-binder clean

help:
	@echo "make lab    - start JupyterLab on notebooks/ (sets up .venv first)"
	@echo "make test   - run the test suite and every notebook"
	@echo "make check-c - build every scenario as a Windows program with mingw-w64 (artifacts/c/)"
	@echo "make html   - build the static edition (site/index.html): notebooks executed, widgets saved"
	@echo "make lite   - build the live edition (lite/index.html): JupyterLite, runs in the browser"
	@echo "make lock   - regenerate binder/requirements.txt (the lock) from pyproject.toml"
	@echo "make check-binder - replay Binder's install over its base environment (pip check)"
	@echo "make bench  - run benchmarks/*.py against winacl (optional)"
	@echo "make clean  - remove .venv and build/test leftovers"

# ---------------------------------------------------------------- set-up

setup: system-deps $(STAMP)

setup-test: setup system-deps-test

system-deps:
	@tools/ensure-system-deps.sh binder/apt.txt

system-deps-test:
	@tools/ensure-system-deps.sh tools/apt-test.txt

# A venv of another Python than binder/runtime.txt's (say, from before the move to 3.13)
# is replaced.
RUNTIME_PY := $(shell sed -n 's/^python-\([0-9]*\.[0-9]*\).*/\1/p' binder/runtime.txt)
$(VPY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when the environment definition changed (or the venv is new): exactly the
# lock (hash-checked), then tokenlab itself, editable, with no dependency of its own.
$(STAMP): pyproject.toml binder/requirements.txt | $(VPY)
	@have=$$($(VPY) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true); \
	if [ "$$have" != "$(RUNTIME_PY)" ] && [ "$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$(RUNTIME_PY)" ]; then \
	    echo "setup: .venv has Python $$have, binder/runtime.txt asks for $(RUNTIME_PY): recreating it"; \
	    rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
	fi
	$(PIP) install --require-hashes -r binder/requirements.txt
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@

# Regenerate the lock (needs the package index); tests/test_lock.py fails until this is run
# after a change of pyproject.toml's requirements.
lock: setup
	$(VPY) tools/lock.py

check-lock: setup
	$(VPY) tools/lock.py --check

# Binder's install replayed in a throwaway venv: its base environment's packages, then
# `pip install -r binder/requirements.txt` and binder/postBuild's install, then `pip check`.
check-binder: setup
	$(VPY) -m pytest -p no:nbval tests/test_binder_replay.py -v

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
	@$(MAKE) --no-print-directory test-lite
	@$(MAKE) --no-print-directory test-bench
	@$(MAKE) --no-print-directory test-notebooks

# Unit, conformance and property tests. Browser tests run as their own step.
test-unit: setup
	$(VPY) -m pytest -p no:nbval tests --ignore=tests/browser --ignore=tests/test_binder_replay.py

# Check it on Windows' headers: each scenario's C twin as one program, compiled and linked
# with mingw-w64 (installed by setup-test from tools/apt-test.txt) into artifacts/c/.
check-c: setup-test
	$(VPY) tools/check_c.py --out artifacts/c

test-browser: setup-test
	@if [ -d tests/browser ]; then \
	    echo "$(VPY) -m pytest -p no:nbval tests/browser --ignore=tests/browser/test_lite.py"; \
	    $(VPY) -m pytest -p no:nbval tests/browser --ignore=tests/browser/test_lite.py; \
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
# (winacl, the bench extra, is in the lock like everything else.)
test-bench: setup
	@shopt -s nullglob; for f in benchmarks/*.py; do echo "== $$f --quick"; $(VPY) "$$f" --quick || exit $$?; done

bench: setup
	@shopt -s nullglob; files=(benchmarks/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "bench: no benchmarks/*.py"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(VPY) "$$f" || exit $$?; done

# ---------------------------------------------------------------- static edition
# Every notebook executed afresh with its widget state stored, written as self-contained
# HTML (graphs inline, widgets rendered from saved state, no CDN): site/index.html.
html: setup-test
	$(VPY) tools/build_site.py --out site

# ---------------------------------------------------------------- live edition
# JupyterLite with the Pyodide kernel: every notebook runs in the browser, no server. Pyodide,
# the WebAssembly Graphviz and the wheels come from the registries once (integrity checked),
# cached in .cache/; the site in lite/ loads nothing from elsewhere. tools/build_lite.py.
lite: setup
	$(VPY) tools/build_lite.py --out lite

test-lite: setup-test lite
	$(VPY) -m pytest -p no:nbval tests/browser/test_lite.py

# ---------------------------------------------------------------- clean

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis artifacts site lite .cache
	find . -path ./.git -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -prune -exec rm -rf {} +
