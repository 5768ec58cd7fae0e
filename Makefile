# A fresh clone needs two commands: `make demo` and `make test`.
# Both create .venv with the only thing they assume: python3 (3.10+) and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/migrate scan sample_flask_app
	mkdir -p .demo
	$(BIN)/migrate scan sample_flask_app --format markdown -o .demo/readiness.md
	$(BIN)/python scripts/demo_hybrid.py
	@echo "verify: three routes of the sample app implemented natively (tests/verify/bookshop_native.py),"
	@echo "one with deliberate differences; exit 1 (a difference) is the expected outcome here"
	PYTHONPATH=tests/verify $(BIN)/migrate verify 'sample_flask_app:create_app()' \
	    --config 'DATABASE={tmp}/db.sqlite' --router bookshop_native:router \
	    --save-requests .demo/requests.jsonl --max-diffs 1 || [ $$? -eq 1 ]

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check migrate adapters

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
