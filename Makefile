# Quick start:  make demo   (set up .venv, run the main job on the embedded defaults)
#               make test   (set up .venv with dev extras, run lint, type checks and tests)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck kb-lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@ $(VENV)/.installed

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
