# Two commands on a fresh machine with Python 3.11, 3.12 or 3.13: `make run` and `make test`.
# The interpreter is the first of python3.11, python3.12, python3.13 (then python3) on PATH that runs, or PYTHON=...;
# scripts/venv.sh builds .venv with it and rebuilds .venv when the interpreter changes (README, Python versions).
PYTHON ?=
export PYTHON
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check examples clean docs browser venv versions bench

# The package's bytecode is compiled here, as `pip install` of a wheel compiles it (an editable install does not):
# with PYTHONDONTWRITEBYTECODE set, every `policy` command would otherwise compile its ~100 modules again (~0.1 s).
venv:
	@scripts/venv.sh build $(VENV) test,docs,serve
	@$(BIN)/python -m compileall -q evaluator >/dev/null

run: venv
	$(BIN)/policy check
	$(BIN)/policy eval examples/workers.yaml
	$(BIN)/policy eval examples/community.yaml examples/street.yaml examples/assessment.yaml examples/funding.yaml examples/roster.yaml
	$(BIN)/policy eval examples/tasks.yaml examples/street_tasks.yaml
	$(BIN)/policy eval examples/assume-adopted/street_tasks_xixia.yaml --assume-adopted xixia
	@$(MAKE) --no-print-directory docs

test: venv browser
	$(BIN)/pytest

# CI's version matrix: the engine's tests and the example rulings on Python 3.12 and 3.13 (each in .venv-X.Y, found
# as pythonX.Y on PATH), every ruling compared byte for byte with .venv's. MATRIX="3.13" for one version.
versions: venv
	@scripts/versions.sh

# The documentation site, generated from the repository's files (mkdocs.yml; pages come from evaluator/docsite/).
# No --quiet: in mkdocs 1.6.1 it hides the warnings that --strict counts, so a broken link would pass.
docs: venv
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
	rm -rf $(VENV) .venv-3.1[123] site build/rulings .pytest_cache .hypothesis

# The README's speed table: every bench in bench/ that takes --json (bench/report.py), full size; QUICK=1 for the
# small sizes (each bench under a minute). Not part of `make run` or `make test`: figures want a quiet machine.
bench: venv
	$(BIN)/python bench/report.py $(if $(QUICK),--quick,)
