# VimbisoPay developer commands. `make run` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench worker clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## run: both Redis, migrations, web server on 127.0.0.1:$(PORT), a worker; Ctrl-C stops all of it
run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m deploy.devrun

## test: lint, then the whole suite against throwaway Redis servers on free ports
test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench

worker: $(STAMP)
	$(BIN)/python manage.py run_worker

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
