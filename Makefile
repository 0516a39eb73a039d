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
	$(BIN)/cchc compute samples/dossiers --period 2023-03 --by unit

# pytest exit code 5 means "no tests collected": a failure to fix, never a pass.
test: $(BIN)/cchc
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

samples: $(BIN)/cchc
	$(BIN)/python samples/generate.py

bench: $(BIN)/cchc
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
