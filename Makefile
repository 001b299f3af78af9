# The two commands of the README:
#   make serve   set up (first time) and start genproxy: on the built-in emulator unless real
#                credentials are configured (GEMINI_API_KEY, or CCS token files in GENPROXY_AUTH_DIR)
#   make test    set up (first time) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
AUTH_DIR ?= $(or $(GENPROXY_AUTH_DIR),$(HOME)/.ccs/cliproxy/auth)
SERVE_ARGS ?=

.PHONY: serve test lint docs bench install clean

# What `make serve` needs: the runtime dependencies only.
$(BIN)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e . 2>&1 | { grep -v -e '^WARNING: Location' || true; }
	touch $@

# What `make test` and `make lint` add: the test and lint extras.
$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,lint]' 2>&1 | { grep -v -e '^WARNING: Location' || true; }
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

test: $(BIN)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (pyflakes, bugbear, import order, pyupgrade; pyproject.toml) and mypy on proxy/ and plugins/.
lint: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

# The documentation site (mkdocs-material) into site/; --strict fails on a broken link or page.
$(BIN)/.installed-docs: $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[docs]' 2>&1 | { grep -v -e '^WARNING: Location' || true; }
	touch $@

docs: $(BIN)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

bench: $(BIN)/.installed-test
	bench/run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache site
