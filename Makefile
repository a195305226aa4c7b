# The two commands of the README: `make run` and `make test`.
# Everything lives in .venv; the local Neo4j is fetched and cached by scripts/neo4j.sh.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Re-install when the dependencies change.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 8501
STORE ?= sqlite:///.scout/scout.db

.PHONY: run test venv lint bench neo4j-up neo4j-down clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	@rm -f $(VENV)/.installed-*
	@touch $@

## make run: install, load the sample data into the embedded store (once), rank, serve the app.
run: venv
	$(BIN)/scout --store $(STORE) load-sample --if-empty
	$(BIN)/scout --store $(STORE) rank --if-stale
	$(BIN)/scout --store $(STORE) app --port $(PORT)

## make test: install, start the local Neo4j, run ruff and every test, stop what it started.
test: venv
	bash scripts/run-tests.sh

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python bench/store_load.py

neo4j-up:
	bash scripts/neo4j.sh up

neo4j-down:
	bash scripts/neo4j.sh down

clean:
	rm -rf $(VENV) .scout .pytest_cache .ruff_cache
