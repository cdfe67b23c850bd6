# Lotse: `make run` serves a demo installation, `make test` runs the whole suite.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := LOTSE_ENV=development $(BIN)/flask --app app
CI_DATABASE_URL := postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run test lint format translations bench load clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Lotse needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(FLASK) db upgrade
	$(FLASK) seed first-run
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/ruff check .
	@echo "== test suite on SQLite =="
	$(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ] || [ "$$CI" = "true" ]; then \
		url="$${TEST_DATABASE_URL:-$(CI_DATABASE_URL)}"; \
		echo "== test suite on PostgreSQL =="; \
		LOTSE_TEST_DATABASE_URL="$$url" $(BIN)/python -m pytest || exit 1; \
		echo "Tested databases: SQLite, PostgreSQL"; \
	else \
		echo "Tested databases: SQLite (set TEST_DATABASE_URL to also test PostgreSQL)"; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --sort-output --omit-header \
		-o translations/messages.pot app.py config.py models admin_views seed services
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l en --no-fuzzy-matching

bench: install
	$(BIN)/python bench/dashboard.py --help

# The load test with its leak checker: 50 users for 10 minutes on PostgreSQL and Redis.
load: install
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
