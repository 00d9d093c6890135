# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check examples clean docs browser

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found. Python 3.11 is required (durable-rules 2.0.28 does not import on 3.13; see README, Python versions); install it or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,docs,serve]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/policy check
	$(BIN)/policy eval examples/workers.yaml
	$(BIN)/policy eval examples/community.yaml examples/street.yaml examples/assessment.yaml examples/funding.yaml examples/roster.yaml
	$(BIN)/policy eval examples/tasks.yaml
	@$(MAKE) --no-print-directory docs

test: $(STAMP) browser
	$(BIN)/pytest

# The documentation site, generated from the repository's files (mkdocs.yml; pages come from evaluator/docsite/).
# No --quiet: in mkdocs 1.6.1 it hides the warnings that --strict counts, so a broken link would pass.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site
	@echo "docs: site built in $(CURDIR)/site/ — open site/index.html, or for search: $(BIN)/python -m http.server -d site 8000"

# Headless Chromium and CJK fonts for the browser test: Debian packages installed as root, never a downloaded browser.
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium and fonts-noto-cjk with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-noto-cjk >/dev/null; \
	else echo "browser: no apt-get as root here; the browser test will be skipped"; fi

clean:
	rm -rf $(VENV) site .pytest_cache .hypothesis
