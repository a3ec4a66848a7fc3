# make run  — bootstrap .venv and start the bot on its embedded defaults
# make test — bootstrap .venv and run every test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint check bench clean system-packages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "offboard needs Python 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,pdf]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot serve

# The browser, PDF and PostgreSQL tests need Debian packages: installed as root, else the exact command.
system-packages:
	@scripts/system-packages

test: system-packages $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy dialogs storage bot adapters bench

check: lint test

# make bench — the real server under Slack's load beside a bare bolt app (docs/BENCHMARKS.md);
# options through BENCH_ARGS, e.g. make bench BENCH_ARGS='--rates 50,200 --json bench.json'
bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
