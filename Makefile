# Command surface of the project: `make` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install, so a newer pyproject.toml triggers a reinstall.
STAMP := $(VENV)/.tieout-installed
SQL_MODELS := dbt_project/models

.DEFAULT_GOAL := help
.PHONY: help venv demo test test-slow lint ui bench clean-state

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv and install tieout with its dev tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: venv ## Start PostgreSQL, generate sample data and materialize every asset
	$(BIN)/tieout demo

test: venv ## Lint, then run the tests not marked slow
	$(MAKE) lint
	$(BIN)/pytest -m "not slow"

test-slow: venv ## Run the tests marked slow
	$(BIN)/pytest -m slow

# sqlfluff's dbt templater compiles the project, which needs a reachable database:
# `tieout db run` starts the embedded server (or uses TIEOUT_DATABASE_URL) first.
lint: venv ## Check Python with ruff and dbt SQL with sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@if [ -d $(SQL_MODELS) ] && find $(SQL_MODELS) -name '*.sql' | grep -q .; then \
		$(BIN)/tieout db run -- $(BIN)/sqlfluff lint $(SQL_MODELS); \
	else \
		echo "sqlfluff: no .sql files under $(SQL_MODELS), skipped"; \
	fi

ui: venv ## Open the Dagster UI on http://127.0.0.1:3000
	$(BIN)/tieout ui

# About an hour on 2 cores with 3 runs per figure (17 minutes a run), plus 7 minutes to
# generate the set the first time. `python -m bench --help` lists smaller sizes.
bench: venv ## Run the benchmarks on the large company; figures go to bench/RESULTS.md
	$(BIN)/python -m bench

clean-state: ## Stop the embedded PostgreSQL and delete the state folder (TIEOUT_HOME or .tieout/)
	@if [ -x $(BIN)/tieout ]; then $(BIN)/tieout db down; fi
	rm -rf "$${TIEOUT_HOME:-.tieout}"
