# Two commands set everything up on a fresh clone: `make demo` and `make test`.
# `make demo` installs ccreport alone (what the demo needs); `make test` adds the test extra,
# `make bench` the benchmark extra. Both use the exact versions of constraints.txt; `make lock`
# refreshes it from the newest releases the ranges in pyproject.toml allow, after the suite passes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := constraints.txt
LOCK_VENV := .venv-lock

.PHONY: demo test bench sample lock clean venv

$(VENV)/.demo: pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.test: $(VENV)/.demo
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e '.[test]'
	touch $@

$(VENV)/.bench: $(VENV)/.demo
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e '.[bench]'
	touch $@

venv: $(VENV)/.demo

demo: $(VENV)/.demo
	$(BIN)/ccreport demo

test: $(VENV)/.test
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# `make bench BENCH_ARGS=--big` adds 5M incidents (timed) and 10M (peak memory).
bench: $(VENV)/.bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)

sample: $(VENV)/.demo
	$(BIN)/python -m ccreport.sample sample_data

# A fresh environment with the newest versions pyproject.toml allows; the suite must pass
# with them before constraints.txt is rewritten (then review and commit the diff).
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install -q --upgrade pip
	$(LOCK_VENV)/bin/pip install -q -e '.[test,bench]'
	$(LOCK_VENV)/bin/python -m pytest -q -n 2 --dist loadfile
	{ sed -n '1,/^# The open ranges/p' $(CONSTRAINTS); \
	  $(LOCK_VENV)/bin/pip freeze --exclude-editable | grep -v '^#' | grep -iv '^ccreport=='; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	rm -rf $(LOCK_VENV)
	@echo "constraints.txt refreshed: review 'git diff constraints.txt' and commit it."

clean:
	rm -rf $(VENV) $(LOCK_VENV) build dist *.egg-info
