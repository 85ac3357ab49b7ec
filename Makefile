# Two entry points for a fresh machine: `make run` (the main job) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint venv browser bench clean

# The install compiles the message catalogues (hatch_build.py): redo it when a .po changes.
$(BIN)/audit: pyproject.toml hatch_build.py $(wildcard audit/report/locale/*/LC_MESSAGES/*.po)
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e . --group dev
	@touch $@

venv: $(BIN)/audit

run: venv
	$(BIN)/audit run --registry data/resources.yaml --db data/audit.sqlite

# The browser test needs Debian's chromium, the DNS tests dnsmasq, the read-only store
# test (as root) chattr, the store tests PostgreSQL: scripts/ensure-* install them when missing.
test: venv
	scripts/ensure-chromium
	scripts/ensure-dnsmasq
	scripts/ensure-chattr
	scripts/ensure-postgres
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
