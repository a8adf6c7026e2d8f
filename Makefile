# The two set-up commands (see README): `make demo` and `make test`. Both are safe to re-run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is pinned here so that nothing pulls a CUDA build; pyproject.toml keeps a range.
PIP := $(BIN)/python -m pip install --quiet --constraint constraints.txt

.PHONY: demo test install dev lint typecheck pytest clean

demo: install
	$(BIN)/unstuck demo

test: dev lint typecheck pytest

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) torch==2.13.0
	$(PIP) --editable .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt $(VENV)/.installed
	$(PIP) --editable '.[dev]'
	touch $@

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) build *.egg-info
