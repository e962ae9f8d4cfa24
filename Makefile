# `make train` and `make test` install first when needed: each works as the first command on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install train test test-fast coverage browser mlflow-server mlflow-ui lint format bench tensorboard clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --constraint requirements.lock --editable ".[dev,sweeps,slurm,tracking]"
	touch $@

install: $(VENV)/.installed  ## create .venv and install rnnlab, its dev tools and every extra (sweeps, slurm, tracking) with pip (needs the network)

train: install  ## train the default model (LSTM, Wikipedia; a GPU if there is one); pass overrides as ARGS="model=gru ..."
	$(PY) train.py $(ARGS)

# One pytest-xdist worker per core; tests/conftest.py pins each worker to its core.
TEST := HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 $(PY) -m pytest -n auto

test: install  ## run the whole test suite (offline, CPU; see CONTRIBUTING.md for its time)
	$(TEST) $(ARGS)

test-fast: install  ## the suite without its slow tests (trainings, sweeps, the browser): for every edit
	$(TEST) -m "not slow" $(ARGS)

coverage: install  ## the whole suite with the line coverage of src/ (commands run in subprocesses too)
	$(TEST) --cov --cov-report=term $(ARGS)

browser:  ## install Chromium (Debian, as root) for the inspect page's browser test
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y --no-install-recommends chromium)

# MLflow's server (`mlflow server`, `mlflow ui`) needs SQLAlchemy 2, which the sweeps extra's Optuna 2.10
# forbids: it gets an environment of its own. The logger (the MLflow client) runs in .venv.
MLFLOW_VENV ?= .venv-mlflow
MLFLOW_VERSION ?= 3.17.2

mlflow-server:  ## install MLflow's tracking server in .venv-mlflow (its own environment; needs the network)
	test -x $(MLFLOW_VENV)/bin/mlflow || ($(PYTHON) -m venv $(MLFLOW_VENV) && $(MLFLOW_VENV)/bin/pip install --quiet "mlflow==$(MLFLOW_VERSION)")

mlflow-ui: mlflow-server  ## show the runs of logger=mlflow (logs/mlflow.db) at http://127.0.0.1:5000
	$(MLFLOW_VENV)/bin/mlflow ui --backend-store-uri sqlite:///logs/mlflow.db --host 127.0.0.1 --port 5000

lint: install  ## ruff (lint, format check) and import-linter (the layers in pyproject.toml)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: install  ## ruff: fix what can be fixed and format
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: install  ## the benchmarks: training (Lightning vs plain loop), data, sampling, preparation, seq2seq, options, threads; writes benchmarks/results.{json,md} (see benchmarks/README.md)
	$(PY) scripts/benchmark.py $(ARGS)

tensorboard: install  ## open the dashboards of every run under logs/
	$(VENV)/bin/tensorboard --logdir logs

clean:  ## remove logs, prepared data and caches (keeps .venv)
	rm -rf logs data .pytest_cache .ruff_cache .coverage .coverage.*
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +
