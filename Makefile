# Two entry points: `make run` (install, train a first model if none, serve; the full model trains meanwhile) and
# `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MODELS_DIR := $(or $(DUALUSE_MODELS_DIR),models)
comma := ,
# `make test` installs the Ray extra (several hundred MB) only when the Ray engine's test is to run
# (DUALUSE_TEST_RAY=1); without it that test is skipped.
TEST_EXTRAS := test$(if $(filter 1,$(DUALUSE_TEST_RAY)),+ray)
export HF_HUB_OFFLINE := 1

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# one stamp per set of extras ("test+ray"), remade when pyproject.toml changes
$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[$(subst +,$(comma),$*)]'
	touch $@

install: $(VENV)/.installed-base

install-test: $(VENV)/.installed-$(TEST_EXTRAS)

model: install
	test -f $(MODELS_DIR)/CURRENT || $(BIN)/dualuse train

# First run: the n-gram model and head (about a minute on 2 cores) serve at once, while the full model trains in the
# background at low priority and replaces them when promoted; later runs reuse what exists.
run: install
	test -f $(MODELS_DIR)/CURRENT || $(BIN)/dualuse train --members ngram
	$(BIN)/dualuse serve --train-in-background

test: install-test
	$(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: model
	$(BIN)/python -m bench.label_throughput
	$(BIN)/python -m bench.api_latency

.PHONY: install install-test model run test lint bench
