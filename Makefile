# The two commands of the README:
#   make serve   set up (first time) and start genproxy: on the built-in emulator unless real
#                credentials are configured (GEMINI_API_KEY, or CCS token files in GENPROXY_AUTH_DIR)
#   make test    set up (first time) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
AUTH_DIR ?= $(or $(GENPROXY_AUTH_DIR),$(HOME)/.ccs/cliproxy/auth)
SERVE_ARGS ?=

.PHONY: serve test lint docs bench install clean clients clients-heavy test-clients-heavy e2e-openwebui

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

# Node clients for tests/clients/ (pinned: the releases the tests were written against), in .clients/.
# `clients`: the Vercel AI SDK (a few MB; .ci/run installs it). `clients-heavy`: Codex CLI and Claude Code,
# whose native binaries come from the npm registry (~172 MB and ~186 MB): opt-in, run with test-clients-heavy.
CLIENTS ?= .clients
NPM_INSTALL := npm install --prefix $(CLIENTS) --no-audit --no-fund --loglevel=error
clients:
	mkdir -p $(CLIENTS)
	$(NPM_INSTALL) ai@7.0.185 @ai-sdk/openai@4.0.126

clients-heavy: clients
	$(NPM_INSTALL) @openai/codex@0.171.0 @anthropic-ai/claude-code@2.1.332

test-clients-heavy: $(BIN)/.installed-test clients-heavy
	$(BIN)/python -m pytest -p no:cacheprovider tests/clients/test_codex_cli.py tests/clients/test_claude_code.py $(PYTEST_ARGS)

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
	rm -rf $(VENV) build *.egg-info .pytest_cache site

	rm -rf $(VENV) build *.egg-info .pytest_cache $(CLIENTS)
