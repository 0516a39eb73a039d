# Everything runs from .venv, created on first use with Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench samples clean

$(BIN)/cchc: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(BIN)/cchc

run: $(BIN)/cchc
	$(BIN)/cchc compute samples/

test: $(BIN)/cchc
	$(BIN)/python -m pytest

samples: $(BIN)/cchc
	$(BIN)/python samples/generate.py

bench: $(BIN)/cchc
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
