# `make repro` and `make test` do all the set-up on a fresh machine (a venv in .venv).
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export MLFLOW_TRACKING_URI ?= sqlite:///$(CURDIR)/mlflow.db

.PHONY: setup repro test lint bench
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

lint: $(STAMP)
	ruff check src tests benchmarks
	hadolint docker/cuda.Dockerfile docker/cpu.Dockerfile

bench: $(STAMP)
	python benchmarks/bench_generate.py
