# atomgrad: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := cd src && ../$(BIN)/python manage.py

.PHONY: run dev test test-sqlite test-postgres lint bench install demo clean

$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/.installed

DEMO_ARGS ?=

# The task queue's worker (long jobs: ceremony documents, protocols, the results notice) runs beside the web
# server and stops with it (Ctrl+C); queued jobs are rows in the database, so a job queued while neither runs is
# done at the next start. $(call with_worker,ENV,COMMAND) runs COMMAND in src/ with the worker beside it.
with_worker = cd src && export $(1); \
	../$(BIN)/python manage.py db_worker --no-reload --worker-id make-run & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(2)

## Set up (first time) and serve the demo on http://127.0.0.1:$(PORT) with the embedded SQLite database:
## gunicorn (the production server), static files by whitenoise, DEBUG off; the jobs' worker beside it.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) demo --if-empty $(DEMO_ARGS)
	$(call with_worker,DEMO_MODE=1 SERVE_MEDIA=1 PORT=$(PORT),../$(BIN)/gunicorn -c python:atomgrad.gunicorn_conf atomgrad.wsgi)

## The same demo with Django's development server: reloads on every code change, DEBUG on.
dev: install
	$(MANAGE) migrate --noinput
	$(MANAGE) demo --if-empty $(DEMO_ARGS)
	$(call with_worker,DEBUG=1 DEMO_MODE=1 PORT=$(PORT),../$(BIN)/python manage.py runserver 127.0.0.1:$(PORT))

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
