# Two commands do all the set-up on a fresh machine (Python 3.11 and Node.js):
#   make run   – install, migrate, load demo data, serve on http://127.0.0.1:5000
#   make test  – install, then lint (ruff), type-check (mypy) and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
VENDOR := static/vendor

.PHONY: run test install lock assets catalogues translations worker

run: install assets catalogues
	$(FLASK) db upgrade
	$(FLASK) jobboard seed-demo
	$(FLASK) jobboard reindex
	$(FLASK) run --host 127.0.0.1 --port 5000

# Two workers, one per core: a test goes to whichever is free (the browser journeys stay together).
TEST_WORKERS ?= 2
# The suite writes and syncs databases, search indexes and mail all the time: its temporary
# files go to a RAM disk where there is one.
TEST_TMPDIR := $(shell test -d /dev/shm -a -w /dev/shm && echo /dev/shm)

test: install assets catalogues
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	TMPDIR=$(or $(TEST_TMPDIR),$(TMPDIR)) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

worker: install catalogues
	$(FLASK) jobboard worker

install: $(VENV)/.installed

# Every dependency, transitive ones included, at the version and hashes of requirements.lock; then
# the board itself, editable.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# After changing a pin in pyproject.toml: the lock again, for every Python the board supports.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --universal --python-version 3.11 \
	   --quiet -o requirements.lock

assets: $(VENDOR)/.copied

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(VENDOR)/.copied: node_modules/.installed
	mkdir -p $(VENDOR)/htmx $(VENDOR)/bootstrap
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	   node_modules/bootstrap/dist/css/bootstrap.rtl.min.css node_modules/bootstrap/dist/css/bootstrap.rtl.min.css.map \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	   $(VENDOR)/bootstrap/
	touch $@

# The compiled catalogues (.mo) are built from the translations (.po) in the package.
TRANSLATIONS := jobboard/translations
catalogues: install
	$(BIN)/python -m jobboard.i18n.catalogues

# After marking new strings: the template catalogue afresh, and each language's brought up to it.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 --no-location --sort-output --width 120 --ignore-dirs '.* __pycache__' \
	   --project jobboard --copyright-holder "International Medical Aliyah Program" \
	   -o $(TRANSLATIONS)/messages.pot jobboard templates
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width 120 -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
