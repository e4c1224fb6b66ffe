# ZI Portal: `make run` serves the portal with demo data; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run test lint install install-test translations extract-messages system-deps bench clean

$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

install: $(RUN_STAMP) translations

install-test: $(TEST_STAMP) translations

# Compiled catalogs are build output (not in git); English is compiled, Indonesian is the source.
translations: $(RUN_STAMP)
	@$(BIN)/pybabel compile --statistics -d portal/translations

extract-messages: $(RUN_STAMP)
	$(BIN)/pybabel extract --no-location -F babel.cfg -k _l -o portal/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i portal/translations/messages.pot -d portal/translations

run: install
	$(BIN)/flask --app portal init-db
	$(BIN)/flask --app portal seed-demo --if-empty
	HOST=$(HOST) PORT=$(PORT) scripts/run-dev.sh

system-deps:
	@scripts/ensure-system-packages.sh
	@scripts/ensure-redis.sh

test: install-test system-deps
	scripts/run-tests.sh $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

# The PostgreSQL rows need the server and the role the benchmarks connect as (a fresh machine
# has neither until something starts them).
bench: install-test system-deps
	@ZI_PG_DATABASE=portal_bench scripts/ensure-postgres.sh >/dev/null
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache portal/translations/*/LC_MESSAGES/*.mo
