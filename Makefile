# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app

.PHONY: run test lint bench bench-search soak translations messages clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Compiled catalogues are build output, made from the .po files we keep.
translations: $(BIN)/.installed
	$(BIN)/pybabel compile -d translations -f

# After adding or changing user-facing text: refresh the catalogue, then translate
# the new empty msgstr entries in translations/zh/LC_MESSAGES/messages.po.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --no-wrap --ignore-dirs='.venv tests migrations' -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap --no-fuzzy-matching

run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Two workers (pytest-xdist), each with its own database, Redis database and directories (tests/isolation.py);
# tests marked with xdist_group run on one worker. `make test PYTEST_ARGS=-n0` runs everything in one process.
TEST_WORKERS ?= 2
test: translations
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .

# Every page against the floor on {SQLite, PostgreSQL} x {gunicorn, nginx}; needs wrk, nginx, PostgreSQL and Redis.
bench: translations
	$(BIN)/python bench/run.py

# Mixed traffic for SOAK_SECONDS (300) against production-like gunicorn: errors, p99 and each worker's memory growth.
soak: translations
	$(BIN)/python bench/soak.py

# 100,000 synthetic tools on SQLite and PostgreSQL: per-query-class service times and the htmx fragment.
bench-search: translations
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) instance *.egg-info
