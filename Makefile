# One command to run, one to test. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app sponsorship
TRANSLATIONS := sponsorship/translations

.PHONY: run test lint bench mutation translations extract-messages update-messages clean

$(BIN)/python:
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" || { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtualenv. On Debian/Ubuntu: sudo apt-get install -y python3-venv"; exit 1; }
	@$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	@touch $@ $(VENV)/.installed

translations: $(VENV)/.installed
	@$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --sort-output -o $(TRANSLATIONS)/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

run: $(VENV)/.installed translations
	@$(BIN)/python -m sponsorship.syscheck
	@$(FLASK) db upgrade
	@$(FLASK) bootstrap
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C to stop)"
	@$(FLASK) run --host 127.0.0.1 --port 5000

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# The suite runs on SQLite; with TEST_DATABASE_URL set it runs on that database too:
# the tests that start no process on both databases side by side (one pytest per core;
# SQLite's report follows the other's), then the browser and production-shape tests
# (SLOW_TESTS) one database at a time, since they start servers, time them and stop
# them, and would slow each other down.
SLOW_TESTS := tests/e2e tests/prod
test: $(VENV)/.installed-dev translations lint
	@if [ -z "$$TEST_DATABASE_URL" ]; then exec $(BIN)/pytest; fi; \
	fast="tests $(SLOW_TESTS:%=--ignore=%)"; log=$$(mktemp); \
	env -u TEST_DATABASE_URL $(BIN)/pytest $$fast > $$log 2>&1 & lite=$$!; \
	echo "== $$fast on $$TEST_DATABASE_URL, and on SQLite beside it =="; \
	$(BIN)/pytest $$fast; fast_db=$$?; wait $$lite; fast_lite=$$?; \
	echo "== $$fast on SQLite =="; cat $$log; rm -f $$log; \
	echo "== $(SLOW_TESTS) on SQLite =="; env -u TEST_DATABASE_URL $(BIN)/pytest $(SLOW_TESTS); slow_lite=$$?; \
	echo "== $(SLOW_TESTS) on $$TEST_DATABASE_URL =="; $(BIN)/pytest $(SLOW_TESTS); slow_db=$$?; \
	echo "== exit codes: SQLite $$fast_lite, $$slow_lite; $$TEST_DATABASE_URL $$fast_db, $$slow_db =="; \
	[ $$fast_lite -eq 0 ] && [ $$slow_lite -eq 0 ] && [ $$fast_db -eq 0 ] && [ $$slow_db -eq 0 ]

clean:
	rm -rf $(VENV) instance .pytest_cache .mutation

# Mutation testing of the money core, the letters' fetcher and the review rules
# (tests/mutation/run.py): not part of `make test`, it takes long. mutmut 3 rather than
# cosmic-ray: it builds every mutant of a file once behind a switch and forks a child
# per mutant that runs only the tests covering the mutated function, instead of a new
# interpreter (Flask, SQLAlchemy, the app) per mutant; and it works on a copy, never on
# the checkout. One worker, at low priority. Writes mutation.json and prints a table;
# with TEST_DATABASE_URL set, survivors of the locking code are tried again there.
# MODULES="ledger pricing" limits the run; RESUME=1 reruns only the survivors.
mutation: $(VENV)/.installed-dev translations
	$(BIN)/python tests/mutation/run.py $(if $(RESUME),--resume) $(MODULES)

# Figures of every kind of document (tests/bench/bench_letters.py --kind all: the offer at
# the top level, each kind under letters_by_kind) plus 200 letters through `flask letters
# issue` on a scratch SQLite database, then the donor dashboard and report exports at
# twenty years of data (tests/bench/bench_donor.py), then the pages under load at twenty
# years (tests/bench/bench_http.py: gunicorn + wrk against a bare Flask reference, SQL
# statements per page; on PostgreSQL too with BENCH_DATABASE_URL), then the slate against
# rank order for every meeting of twenty years (tests/bench/bench_slate.py), then every
# page the three roles reach, rendered afresh (tests/bench/bench_crawl.py: crawl_* and
# *_render_ms), merged into bench.json (other keys are kept). Last, twenty years of
# history through the import (tests/bench/bench_history.py: history_import_s).
bench: $(VENV)/.installed-dev translations
	@command -v wrk > /dev/null || { echo "make bench needs wrk for the HTTP figures: sudo apt-get install -y wrk"; exit 1; }
	@$(BIN)/python tests/bench/bench_letters.py --kind all --output .bench-letters.json > /dev/null
	@$(BIN)/python -m tests.bench.bench_letters_bulk --letters 200 --merge .bench-letters.json --output bench.json
	@rm -f .bench-letters.json
	@$(BIN)/python -m tests.bench.bench_donor --output bench.json
	@$(BIN)/python -m tests.bench.bench_http --merge bench.json --output bench.json
	@$(BIN)/python -m tests.bench.bench_slate --output bench.json
	@$(BIN)/python -m tests.bench.bench_crawl --reuse-data --output bench.json
	@$(BIN)/python -m tests.bench.bench_history --output bench.json

# The production shape on this machine (README "Production"): PostgreSQL, Redis, gunicorn
# with several workers, an RQ worker and the scheduler, configured only by environment
# variables. Deploy step (`flask db upgrade`), demo data, the logins, then serve;
# Ctrl-C stops every process.
.PHONY: prod-demo
PROD_DEMO_SERVER ?= postgresql://postgres@127.0.0.1:5432
PROD_DEMO_DB ?= prod_demo
prod-demo: export SPONSORSHIP_ENV = production
prod-demo: export DATABASE_URL ?= $(PROD_DEMO_SERVER)/$(PROD_DEMO_DB)
prod-demo: export REDIS_URL ?= redis://127.0.0.1:6379/0
prod-demo: export JOBS_QUEUE_NAME ?= prod-demo
prod-demo: export JOBS_SCHEDULER = off
prod-demo: export BIND ?= 127.0.0.1:8000
prod-demo: export WEB_CONCURRENCY ?= 3
prod-demo: export MAIL_BACKEND ?= log
prod-demo: export PUBLIC_BASE_URL ?= http://$(BIND)
# Plain HTTP on loopback; behind a real TLS proxy leave this at its default (true).
prod-demo: export SESSION_COOKIE_SECURE ?= false
# The demo's published logins sign in with the password alone; a real deployment keeps
# two-factor sign-in mandatory for administrators (the default in production).
prod-demo: export TWO_FACTOR_REQUIRED ?= false
prod-demo: $(VENV)/.installed translations
	@$(BIN)/python -m sponsorship.syscheck
	@psql "$(PROD_DEMO_SERVER)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(PROD_DEMO_DB)'" | grep -q 1 \
	  || psql "$(PROD_DEMO_SERVER)/postgres" -qc 'CREATE DATABASE "$(PROD_DEMO_DB)"'
	@$(BIN)/python -c "import os, redis; redis.Redis.from_url(os.environ['REDIS_URL']).ping()" 2> /dev/null \
	  || { echo "Redis does not answer at $$REDIS_URL (apt-get install redis-server)"; exit 1; }
	@export SECRET_KEY="$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(32))')}"; \
	$(FLASK) db upgrade || exit 1; \
	SPONSORSHIP_ENV=development $(FLASK) bootstrap || exit 1; \
	trap 'kill $$pids 2>/dev/null; wait; echo "prod-demo stopped."' INT TERM EXIT; \
	$(FLASK) jobs worker & pids="$$!"; \
	$(FLASK) jobs scheduler & pids="$$pids $$!"; \
	$(BIN)/gunicorn -c python:sponsorship.gunicorn_conf "sponsorship:create_app()" & pids="$$pids $$!"; \
	echo "Serving on http://$$BIND with gunicorn ($$WEB_CONCURRENCY workers), an RQ worker and the scheduler on $$DATABASE_URL and $$REDIS_URL; JSON logs below; Ctrl-C stops all."; \
	wait
