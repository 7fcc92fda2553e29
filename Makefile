# Two entry points: `make run` (install, train the default model if none, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1

$(BIN)/dualuse: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,ray]'
	touch $(BIN)/dualuse

install: $(BIN)/dualuse

model: install
	test -f models/CURRENT || $(BIN)/dualuse train

run: model
	$(BIN)/dualuse serve

test: install
	$(BIN)/python -m pytest -q

.PHONY: install model run test

bench: model
	$(BIN)/python -m bench.label_throughput
	$(BIN)/python -m bench.api_latency

.PHONY: bench
