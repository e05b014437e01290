# One task runner for developers and CI (.ci/run calls `make ci`).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: install chat test lint typecheck check ci bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

chat: $(STAMP)
	$(VENV)/bin/grant-interviewer chat

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check src tests bench

typecheck: $(STAMP)
	$(PY) -m mypy src

check: lint typecheck test

ci: check

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) bench/turn_latency.py
	HF_HUB_OFFLINE=1 $(PY) bench/startup.py
	HF_HUB_OFFLINE=1 $(PY) bench/cold_start.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
