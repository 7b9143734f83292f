# Two commands on a fresh machine: `make run` and `make test`. Every target sets up the
# virtual environment first, and re-installs only when pyproject.toml changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
POLICY ?= examples/policies/megazone-cloudplex.yaml
VAULT ?= var
SUBJECTS ?= 300
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_ARGS ?=
SWEEP_ARGS ?=

.PHONY: install run test lint bench clean

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# A sandbox vault from one seed policy, a few hundred synthetic subjects and an admin API
# key, made once; then the API on $(HOST):$(PORT).
run: $(STAMP)
	$(BIN)/policyvault policy check examples/policies/*.yaml
	@if [ ! -f $(VAULT)/vault.json ]; then \
	  $(BIN)/policyvault init --home $(VAULT) --policy $(POLICY) --sandbox && \
	  $(BIN)/policyvault sandbox seed --home $(VAULT) --count $(SUBJECTS) && \
	  $(BIN)/policyvault apikey create --home $(VAULT) --role admin --actor admin-1; \
	fi
	@echo "PolicyVault: http://$(HOST):$(PORT)/v1/health  OpenAPI: http://$(HOST):$(PORT)/openapi.json"
	@echo "(the admin API key was printed when the vault was made: $(BIN)/policyvault apikey create --home $(VAULT) --role admin --actor admin-2 makes another)"
	$(BIN)/policyvault serve --home $(VAULT) --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports

# Throughput and the retention sweep against the raw storage engine in the same run
# (bench/README.md); figures go to bench/results/. BENCH_ARGS="--subjects 500 --no-postgres"
# and SWEEP_ARGS="--sizes 100000 --no-postgres" for a quicker run.
bench: $(STAMP)
	$(BIN)/python bench/vault_throughput.py $(BENCH_ARGS)
	$(BIN)/python bench/retention_sweep.py $(SWEEP_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
