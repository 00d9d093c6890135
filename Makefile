# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check examples clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/policy check
	$(BIN)/policy eval examples/workers.yaml
	$(BIN)/policy eval examples/community.yaml examples/street.yaml examples/assessment.yaml examples/funding.yaml examples/roster.yaml
	$(BIN)/policy eval examples/tasks.yaml

test: $(STAMP)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) site .pytest_cache .hypothesis
