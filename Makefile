# One command to run, one to test. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app sponsorship
TRANSLATIONS := sponsorship/translations

.PHONY: run test lint bench translations extract-messages update-messages clean

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

# The suite runs on SQLite; with TEST_DATABASE_URL set it runs again on that database.
test: $(VENV)/.installed-dev translations lint
	env -u TEST_DATABASE_URL $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "== again on $$TEST_DATABASE_URL =="; $(BIN)/pytest; fi

clean:
	rm -rf $(VENV) instance .pytest_cache

# Letter figures (tests/bench/bench_letters.py) plus 200 letters through `flask letters
# issue` on a scratch SQLite database, merged into bench.json (other keys are kept).
bench: $(VENV)/.installed-dev translations
	@$(BIN)/python tests/bench/bench_letters.py --output .bench-letters.json > /dev/null
	@$(BIN)/python -m tests.bench.bench_letters_bulk --letters 200 --merge .bench-letters.json --output bench.json
	@rm -f .bench-letters.json
