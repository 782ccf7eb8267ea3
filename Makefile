# litgrad: the pages in docs/ are the program. Every tool runs from .venv/bin, so no activation is needed.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
# Browser used by the browser tests (they read $CHROMIUM); CI on GitHub points it at Google Chrome.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
# Material's notice about MkDocs 2.0 is not about this site.
export NO_MKDOCS_2_WARNING := 1
# Python caches compiled modules (__pycache__/*.pyc) even where the shell says not to: without the
# cache every build and every test process compiles mkdocs, Material and torch from source again
# (2.5 s of a 16.5 s build). An empty value counts as unset.
export PYTHONDONTWRITEBYTECODE :=
# Directories that `ruff format --check` looks at, among those that exist.
FMT_DIRS := $(wildcard src tools tests benchmarks)

# need(command or path, Debian package, name): install a missing system tool with apt-get when we
# are root, otherwise stop and say how to install it.
need = if ! command -v $(1) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "$(3) ($(1)) is missing: installing Debian package $(2)"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(2); \
	  fi; \
	  command -v $(1) >/dev/null 2>&1 || { \
	    echo "error: $(3) ('$(1)') not found. Install it, e.g. 'sudo apt-get install $(2)'" \
	         "(Debian/Ubuntu) or 'brew install $(2)' (macOS), then re-run make." >&2; exit 1; }; \
	fi

.PHONY: venv docs-venv sysdeps graphviz chromium node tangle build serve test screenshots timings bench bench-browser clean

# venv: create .venv if missing and install the package with its test extra (PyTorch, Playwright...);
# docs-venv: the docs extra only, all that building and serving the site needs. The stamp files make
# each re-run only when pyproject.toml is newer than the last install; the test extra includes docs.
# --no-compile: Python compiles the modules a run imports when it first imports them, not all of torch.
venv: $(VENV)/.installed-test
$(VENV)/.installed-test: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --no-compile -e '.[test]'
	touch $@ $(VENV)/.installed-docs
docs-venv: $(VENV)/.installed-docs
$(VENV)/.installed-docs: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --no-compile -e '.[docs]'
	touch $@

# sysdeps: system tools pip cannot provide: Graphviz (graphs drawn at build time), Chromium (browser tests).
sysdeps: graphviz chromium
graphviz:
	@$(call need,dot,graphviz,Graphviz)
chromium:
	@$(call need,$(CHROMIUM),chromium,Chromium)

# node_modules: the browser-side runtime (Pyodide, @viz-js/viz) and axe-core for the tests, at the
# exact versions and hashes of package-lock.json; reinstalled only when the lock changes.
node:
	@$(call need,npm,nodejs npm,Node.js and npm)
node_modules/.installed: package-lock.json | node
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# tangle: regenerate src/litgrad/ from the code blocks in docs/.
tangle: docs-venv
	$(BIN)/python tools/tangle.py

# build: build the site into site/ (strict: any warning fails) and print the wall time; the site
# serves the in-browser runner's files from node_modules/ (tools/runtime_assets.py). The build
# tangles the pages first (tools/tangle_on_build.py), so it always runs the code the pages hold.
build: docs-venv graphviz node_modules/.installed
	TIMEFORMAT='site/ built in %1Rs'; time $(BIN)/mkdocs build --strict -d site

# serve: serve the site on http://127.0.0.1:8000/litgrad/ (the path of site_url), rebuilding only
# the pages that change. Not --strict: mkdocs warns about every --dirty rebuild; `make build` and
# `make test` stay strict.
serve: docs-venv graphviz node_modules/.installed
	$(BIN)/mkdocs serve --no-strict --dirty -a 127.0.0.1:8000

# test: every check: pages and src/ agree, lint, formatting, then the test suite on every core
# (pytest-xdist; the site is built once, in the background, while the other tests run). loadgroup
# keeps each xdist_group on one worker: the runner's tests share one tab and one start of Python.
test: venv sysdeps node_modules/.installed
	$(BIN)/python tools/tangle.py --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(FMT_DIRS)
	$(BIN)/pytest -n auto --dist loadgroup

# screenshots: the browser tests, saving what they see in build/screenshots/: every page at a 1280-px
# desktop and a 390-px phone, light and dark (a11y/), the runner, the step-through and the playground
# mid-training. `make test` takes none: they are for people to look at after a change.
screenshots: venv sysdeps node_modules/.installed
	LITGRAD_SCREENSHOTS=1 $(BIN)/pytest -n auto --dist loadgroup tests/test_accessibility.py \
	  tests/test_browser.py tests/test_runner_browser.py tests/test_playground.py

# timings: how long a writer waits: clean strict build, one page rebuilt by `make serve`, and
# `make test`, each the median of three runs (benchmarks/timings.py; `make timings WHAT=build`).
timings: venv graphviz node_modules/.installed
	$(BIN)/python benchmarks/timings.py $(WHAT)

# bench-browser: time the in-browser runner on the built site and write benchmarks/browser.md;
# measure how deep a chain of values its worker frees, into benchmarks/browser_stack.md; time the
# playground's training, into benchmarks/playground.md.
bench-browser: build
	$(BIN)/python benchmarks/browser_run.py
	$(BIN)/python benchmarks/browser_stack.py
	$(BIN)/python benchmarks/browser_playground.py

# bench: install the bench extra (once per pyproject.toml change) and print the benchmark table.
bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py
$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[bench]'
	touch $@

# clean: remove the built site and tool caches (keeps .venv; `rm -rf .venv` for a fresh start).
clean:
	rm -rf site .pytest_cache .ruff_cache src/*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# pytorch: re-run the comparison behind the page "From litgrad to PyTorch" and store its figures
# (benchmarks/pytorch.json and .md, which the page includes); the tests check them against a re-run.
.PHONY: pytorch
pytorch: venv
	$(BIN)/python benchmarks/pytorch_compare.py
