# Quick start:  make demo   (set up .venv, run the main job on the embedded defaults)
#               make test   (set up .venv with dev extras, run lint, type checks and tests)
#               make lock   (refresh the pinned versions in requirements/ from pyproject.toml)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck kb-lint lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Installs come from the lock files (requirements/*.txt, exact versions the tests passed
# with); `make lock` refreshes them from pyproject.toml's ranges.
$(VENV)/.installed: pyproject.toml requirements/core.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements/core.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements/dev.txt
	$(BIN)/python -m pip install -q --no-deps -e ".[dev]"
	touch $@ $(VENV)/.installed

LOCK_FLAGS := --quiet --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host

lock: | $(BIN)/python
	$(BIN)/python -m pip install -q pip-tools
	$(BIN)/pip-compile $(LOCK_FLAGS) --upgrade -o requirements/core.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --upgrade --extra dev -o requirements/dev.txt pyproject.toml

demo: $(VENV)/.installed
	$(BIN)/rairlab demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks tools examples
	$(BIN)/ruff format --check src tests benchmarks tools examples

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

kb-lint: $(VENV)/.installed
	$(BIN)/rairlab kb lint

test: $(VENV)/.installed-dev lint typecheck kb-lint
	$(BIN)/python -m pytest -q
	@echo "network tests again on the NumPy fallback path (no numba kernels):"
	RAIRLAB_NO_NUMBA=1 $(BIN)/python -m pytest -q tests/network

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
