# Two commands do all the set-up on a fresh machine:
#   make run    -> virtual environment, install, migrate, serve on http://127.0.0.1:8181
#   make test   -> the same plus test tools and servers, then lint, types and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck pytest bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The test environment also holds the example exporter plug-in: the suite proves the service
# discovers it, shows its form and runs it (tests/e2e/test_plugin.py), and runs its own tests.
PLUGIN := examples/exporter-plugin

$(VENV)/.installed-test: pyproject.toml $(PLUGIN)/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps -e $(PLUGIN)
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/myelectricaldata db upgrade
	exec $(BIN)/myelectricaldata serve

system-deps:
	bash scripts/install-system-deps.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	cd $(PLUGIN) && $(abspath $(BIN))/ruff check src tests && $(abspath $(BIN))/ruff format --check src tests

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy
	cd $(PLUGIN) && $(abspath $(BIN))/mypy

pytest: $(VENV)/.installed-test system-deps
	bash scripts/install-homeassistant.sh
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(VENV)/.installed-test system-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
