# The two set-up commands of the README: `make up` and `make test`. Both install into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
IDE := graph_api/graphiql
IDE_STAMP := $(IDE)/node_modules/.installed

.PHONY: install up test check lint typecheck neo4j-fetch datasets clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# GraphiQL's browser files, pinned by its package-lock.json, so /graphql works offline.
$(IDE_STAMP): $(IDE)/package.json $(IDE)/package-lock.json
	@command -v npm >/dev/null || { echo "GraphiQL needs npm: apt-get install nodejs npm" >&2; exit 1; }
	cd $(IDE) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(IDE_STAMP)

install: $(STAMP) $(IDE_STAMP)

neo4j-fetch: install
	$(BIN)/civicgraph neo4j fetch

up: install neo4j-fetch
	$(BIN)/civicgraph up

test: install neo4j-fetch
	$(BIN)/pytest -q

DATA ?= ../shared/data

datasets: install neo4j-fetch
	$(BIN)/civicgraph up --no-serve --quiet
	$(BIN)/civicgraph load --source keepiton $(DATA)/keepiton/stop_2016_2025.csv
	$(BIN)/civicgraph load --source unvotes $(DATA)/unvotes
	$(BIN)/civicgraph load --source civicus $(DATA)/civicus/civicus_2021-03-19.json
	$(BIN)/civicgraph derive

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy civicgraph loaders graph_api

check: lint typecheck test

clean:
	rm -rf $(VENV) var
