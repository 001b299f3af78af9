# The two commands of the README:
#   make serve   set up (first time) and start genproxy: on the built-in emulator unless real
#                credentials are configured (GEMINI_API_KEY, or CCS token files in GENPROXY_AUTH_DIR)
#   make test    set up (first time) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
AUTH_DIR ?= $(or $(GENPROXY_AUTH_DIR),$(HOME)/.ccs/cliproxy/auth)
SERVE_ARGS ?=

.PHONY: serve test bench install clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

serve: $(BIN)/.installed
	@if [ -n "$$GEMINI_API_KEY" ] || ls $(AUTH_DIR)/*.json >/dev/null 2>&1; then \
		echo "genproxy: real credentials found, serving Google's APIs"; \
		exec $(BIN)/genproxy serve $(SERVE_ARGS); \
	else \
		echo "genproxy: no GEMINI_API_KEY and no CCS token files: serving on the built-in emulator (offline, free)"; \
		exec $(BIN)/genproxy serve --emulator $(SERVE_ARGS); \
	fi

test: $(BIN)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(BIN)/.installed
	bench/run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
