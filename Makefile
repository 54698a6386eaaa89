# Two commands do everything: `make run` and `make test`. Each creates the virtualenv,
# installs, compiles translations, migrates and loads first-run data on its own.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
STAMP  := $(VENV)/.installed
# pytest-xdist: one worker per core (at most 4), whole files per worker so module fixtures
# are built once. PYTEST_ARGS= (empty) runs in one process.
PYTEST_ARGS ?= -n auto --maxprocesses 4 --dist loadfile

.PHONY: run test lint translations messages bootstrap clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

translations: $(STAMP)
	@$(BIN)/pybabel compile --statistics -d survey_app/translations

bootstrap: $(STAMP) translations
	$(BIN)/survey-app bootstrap

run: bootstrap
	$(BIN)/survey-app run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) translations lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if command -v node >/dev/null 2>&1; then node --test tests/js; \
	 else echo "node not found: JavaScript tests not run"; fi

# Re-extract the message catalogue after changing UI strings, then translate vi.po.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o survey_app/translations/messages.pot --no-location --sort-output --omit-header --width 100 .
	$(BIN)/pybabel update -i survey_app/translations/messages.pot -d survey_app/translations --no-fuzzy-matching --ignore-obsolete --width 100

clean:
	rm -rf $(VENV) instance
