# The two commands: `make run` and `make test` (README.md). Both start from a
# machine with only Python 3.11+: they make the virtual environment themselves.
PYTHON ?= python3
VENV := .venv
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.8
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs on one pytest-xdist worker per core (tests/workers.py keeps them
# apart); `make test-sqlite TEST_WORKERS=0` runs it in a single process.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS)

export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: install install-dev run test lint typecheck test-sqlite test-postgres format messages clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

## install: the virtual environment with what the site needs to run.
install: $(UV)
	$(UV) sync --frozen --no-dev

## install-dev: the same plus the test and lint tools, and axe-core for the browser tests.
install-dev: $(UV)
	$(UV) sync --frozen
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: browser tests will skip the accessibility audit's install (see docs/development.md)"; fi

## run: migrate, load the demo data on first run, serve http://$(HOST):$(PORT) with the task worker.
run: install
	TRIBUNE_HTTPS=$${TRIBUNE_HTTPS:-0} $(BIN)/tribune serve --host $(HOST) --port $(PORT) --demo

## test: lint, types, migrations, then every test on SQLite and again on PostgreSQL + Redis.
test: install-dev lint typecheck
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory test-sqlite test-postgres

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy

test-sqlite:
	$(PYTEST)

# Starts a throwaway PostgreSQL and Redis on loopback (tests/services.py) unless
# TEST_DATABASE_URL / TEST_REDIS_URL name running ones.
test-postgres:
	$(BIN)/python -m tests.services -- $(PYTEST)

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## messages: refresh every catalogue from the marked strings, then compile them (needs GNU gettext).
messages:
	cd src/tribune && ../../$(BIN)/python ../../manage.py makemessages --all --no-location --ignore 'static/*'
	cd src/tribune && ../../$(BIN)/python ../../manage.py compilemessages

clean:
	rm -rf $(VENV) $(TOOLS) node_modules .pytest_cache .mypy_cache .ruff_cache
