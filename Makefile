# Everything runs from .venv, created on first use with Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench samples clean browser screenshot

$(BIN)/cchc: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(BIN)/cchc

run: $(BIN)/cchc
	$(BIN)/cchc compute samples/dossiers --period 2023-03 --by unit

# The HTML report is tested in Debian's Chromium. Installed here only when it is missing,
# we are root, and apt-get is there (CI: root on Debian); anywhere else the browser test
# is skipped and says why.
browser:
	@if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1 \
	   && ! { command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-core >/dev/null 2>&1; }; then \
		echo "make: installing chromium and fonts-noto-core for the browser test"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null; } \
		|| echo "make: could not install chromium; the browser test will be skipped" >&2; \
	fi

# pytest exit code 5 means "no tests collected": a failure to fix, never a pass.
test: $(BIN)/cchc browser
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

# docs/report.png: the HTML report of the samples as Chromium draws it (same code as the test)
screenshot: $(BIN)/cchc browser
	@mkdir -p out
	$(BIN)/cchc compute samples/dossiers --period 2023-03 --by unit --output out/report.html
	$(BIN)/python -m cchc_cli.render.browser out/report.html docs/report.png

samples: $(BIN)/cchc
	$(BIN)/python samples/generate.py

bench: $(BIN)/cchc
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
