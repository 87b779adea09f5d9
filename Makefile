# `make repro` and `make test` do all the set-up on a fresh machine (a venv in .venv).
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export MLFLOW_TRACKING_URI ?= sqlite:///$(CURDIR)/mlflow.db

.PHONY: setup repro test test-fast lint bench
setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $@

repro: $(STAMP)
	dvc repro

test: $(STAMP)
	pytest -q

# the tier to run while working (< 2 min on 2 cores: one pytest-xdist worker per core): no Ray,
# browser, servers, CLI subprocesses, whole filmed clips or tiny LTX (`make test`, as CI, runs
# everything, in one process: the Ray tests share one local cluster)
test-fast: $(STAMP)
	@start=$$(date +%s); pytest -q -n 2 -m "not slow and not gpu" -p no:randomly --durations=5; \
	  rc=$$?; echo "make test-fast: $$(( $$(date +%s) - start )) s"; exit $$rc

lint: $(STAMP)
	ruff check src tests benchmarks
	hadolint docker/cuda.Dockerfile docker/cpu.Dockerfile

bench: $(STAMP)
	python benchmarks/bench_generate.py
