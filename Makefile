# The two commands of the README:
#   make serve   set up (first time) and start genproxy: on the built-in emulator unless real
#                credentials are configured (GEMINI_API_KEY, or CCS token files in GENPROXY_AUTH_DIR)
#   make test    set up (first time) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
AUTH_DIR ?= $(or $(GENPROXY_AUTH_DIR),$(HOME)/.ccs/cliproxy/auth)
SERVE_ARGS ?=

.PHONY: serve test lint bench install clean e2e-openwebui

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

# Opt-in, not in CI: the real Open WebUI (pip open-webui, ~7 GB with its dependencies) in its own venv, started
# offline against `genproxy serve --emulator` and driven in headless Chromium (tests/openwebui/); the screenshots
# go to docs/open-webui/. OPENWEBUI_VENV may point at an existing install.
OPENWEBUI_VENV ?= .openwebui-venv
OPENWEBUI_VERSION ?= 0.12.4
e2e-openwebui: $(BIN)/.installed-test
	test -x $(OPENWEBUI_VENV)/bin/open-webui || { $(PYTHON) -m venv $(OPENWEBUI_VENV) && \
		$(OPENWEBUI_VENV)/bin/pip install --quiet --disable-pip-version-check open-webui==$(OPENWEBUI_VERSION); }
	OPENWEBUI_BIN=$(abspath $(OPENWEBUI_VENV))/bin/open-webui GENPROXY_SCREENSHOTS=1 \
		$(BIN)/python -m pytest -p no:cacheprovider -v tests/openwebui

bench: $(BIN)/.installed-test
	bench/run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
