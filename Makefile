# Two commands set everything up on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench sample clean

$(BIN)/ccreport: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $(BIN)/ccreport

venv: $(BIN)/ccreport

demo: $(BIN)/ccreport
	$(BIN)/ccreport demo

test: $(BIN)/ccreport
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# `make bench BENCH_ARGS=--big` adds 5M incidents (timed) and 10M (peak memory).
bench: $(BIN)/ccreport
	$(BIN)/python bench/run.py $(BENCH_ARGS)

sample: $(BIN)/ccreport
	$(BIN)/python -m ccreport.sample sample_data

clean:
	rm -rf $(VENV) build dist *.egg-info
