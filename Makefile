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
SCALE_ARGS ?=
EXPORT_ARGS ?=
HTTP_ARGS ?=
PLOT_ARGS ?=
BIG ?=
BIG_FLAG := $(if $(filter 1 yes true,$(BIG)),--big,)

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

# Every benchmark against its raw baseline in the same run (bench/README.md): throughput,
# the retention sweep, cost per operation at 10k/100k/1M items, the access export, HTTP reads;
# figures go to bench/results/, then bench/plot.py draws docs/performance*.png and fills the
# tables of docs/performance.md. About 30 minutes on two cores. BIG=1 adds the 10M-item store
# where a script has one (--big: hours). Each script has its own arguments, e.g.
# SCALE_ARGS="--sizes 10000 --no-postgres" EXPORT_ARGS="--size 20000 --no-postgres".
bench: $(STAMP)
	$(BIN)/python bench/vault_throughput.py $(BENCH_ARGS)
	$(BIN)/python bench/retention_sweep.py $(BIG_FLAG) $(SWEEP_ARGS)
	$(BIN)/python bench/scale.py $(BIG_FLAG) $(SCALE_ARGS)
	$(BIN)/python bench/export_bench.py $(BIG_FLAG) $(EXPORT_ARGS)
	$(BIN)/python bench/http_read.py $(HTTP_ARGS)
	$(BIN)/python bench/plot.py $(PLOT_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
