# atomgrad: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := cd src && ../$(BIN)/python manage.py

.PHONY: run test test-sqlite test-postgres lint bench install demo clean

$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/.installed

## Set up (first time) and serve the demo on http://127.0.0.1:$(PORT) with the embedded SQLite database, with the
## worker of the long jobs' queue (ceremony documents, protocols) beside it.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) demo --if-empty
	@# The task queue's worker runs beside the web server and stops with it (Ctrl+C); queued jobs are rows in
	@# the database, so a job queued while neither runs is done at the next start.
	cd src && export DEBUG=1 DEMO_MODE=1; \
	../$(BIN)/python manage.py db_worker --no-reload --worker-id make-run & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	../$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

demo: install
	$(MANAGE) migrate --noinput
	$(MANAGE) demo

## The whole suite: on SQLite, then on a throw-away PostgreSQL where one can be started (always in CI).
test: install lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check src tests bench scripts verifier

test-sqlite: install
	$(BIN)/python -m pytest

test-postgres: install
	@$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m pytest -m "not browser"; rc=$$?; \
	if [ $$rc -eq 3 ] && [ -z "$$CI" ]; then echo "PostgreSQL is not installed: its run is skipped (CI requires it)."; \
	else exit $$rc; fi

## Benchmarks: print their figures; record them in docs/PERFORMANCE.md.
bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var/test-*.sqlite3*
