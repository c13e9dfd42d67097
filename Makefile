# VimbisoPay developer commands. `make run` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run test lint audit bench worker clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## run: both Redis, migrations, web server on 127.0.0.1:$(PORT), a worker; Ctrl-C or SIGTERM stops all of it
## (`exec`: the supervisor replaces the recipe's shell, so the SIGTERM make forwards reaches it)
run: $(STAMP)
	PORT=$(PORT) exec $(BIN)/python -m deploy.devrun

## test: lint, the whole suite (SQLite) against throwaway Redis servers on free ports, then the
## database-sensitive tests again on a throwaway PostgreSQL where the server binaries exist
test: $(STAMP) lint
	$(BIN)/python -m pytest
	@if $(BIN)/python -c "from tests.support.postgres import postgres_bin_dir as f; raise SystemExit(f() is None)"; \
	then TEST_POSTGRES=1 $(BIN)/python -m pytest -m db_both; \
	else echo "PostgreSQL pass SKIPPED: no PostgreSQL server binaries on this machine"; fi

## lint: ruff, and the import contracts of pyproject.toml's [tool.importlinter] (the layers, the pure flow
## engine, the sandbox apart)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

## audit: supply chain (deploy/supply_chain.py): bandit (no high findings), pip-audit --strict where a
## vulnerability database is reachable, else a printed "pip-audit SKIPPED: ..." line
audit: $(STAMP)
	$(BIN)/python -m deploy.supply_chain

bench: $(STAMP)
	$(BIN)/python -m bench

worker: $(STAMP)
	$(BIN)/python manage.py run_worker

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
