# The README's commands. A machine needs only Python 3.11, pip and make.
#
#   make demo    virtual environment, install, migrate, demo data, serve on 127.0.0.1:$(PORT)
#   make test    the whole suite with coverage, on $(TEST_WORKERS) processes (browser tests when
#                $(CHROMIUM) exists); TEST_WORKERS=0 runs it in this one process
#   make fuzz    schemathesis and the hostile-input corpus against the API (docs/security-testing.md)
#   make lint    ruff, mypy, import contracts, missing migrations
#   make coverage-core  branch coverage of the deciding modules over a SQLite and a PostgreSQL run
#   make bench   directory and exchange benchmarks (bench/README.md)
#   make messages  refresh the translation catalogues (needs GNU gettext; docs/translating.md)

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
COVERAGE_MIN ?= 90
# pytest-xdist processes; CI has 2 cores. Each has its own test database (test_<name>_gw0, ...).
TEST_WORKERS ?= 2
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: demo test fuzz lint bench messages audit-deps coverage-core

# Some Debian-based systems ship Python without ensurepip (the python3.11-venv package);
# then the environment is created without pip and pip is installed into it from outside.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV) && $(PYTHON) -m venv --without-pip $(VENV) \
		&& $(PYTHON) -m pip --python $(BIN)/python install pip; }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[dev]"
	touch $@ $(VENV)/.installed

# The node's public address (links in e-mails, published to peer nodes) follows the port the
# demo serves on, unless OPENTRM_BASE_URL is set.
demo: export OPENTRM_BASE_URL ?= http://$(HOST):$(PORT)
demo: $(VENV)/.installed
	$(BIN)/opentrm migrate --noinput
	$(BIN)/opentrm load_demo
	$(BIN)/opentrm load_demo_cases
	$(BIN)/opentrm load_portal
	@echo
	@echo "OpenTRM demo: open http://$(HOST):$(PORT)/ and log in with one of the logins above. Ctrl+C stops it."
	$(BIN)/opentrm runserver $(HOST):$(PORT)

# --dist worksteal: each worker starts with one half of the tests in collection order (so a
# module's module-scoped fixtures, e.g. the exchange tests' two nodes, are set up once) and a
# worker that runs out takes half of what the other has left.
PYTEST_RUN = $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal \
	--cov --cov-report=term --cov-fail-under=$(COVERAGE_MIN)

test: $(VENV)/.installed-dev
	@if [ -x "$(CHROMIUM)" ]; then \
		$(PYTEST_RUN) $(PYTEST_ARGS); \
	else \
		echo "Browser tests skipped: $(CHROMIUM) not found (install Debian's chromium package to run them)."; \
		$(PYTEST_RUN) -m "not browser" $(PYTEST_ARGS); \
	fi

# The modules that decide who may do what and what a step does (issue 10): every services,
# access and states module and the policy, at 100 % branch coverage over the union of the two
# databases' runs (some paths are PostgreSQL's only). Run `make test` first with
# COVERAGE_FILE=.coverage.sqlite, then with COVERAGE_FILE=.coverage.postgresql and DATABASE_URL.
CORE_MODULES = */services/*,*/services.py,*/access.py,*/states.py,*/accounts/policy.py
coverage-core: $(VENV)/.installed-dev
	$(BIN)/coverage combine --keep --data-file=.coverage.both .coverage.sqlite .coverage.postgresql
	$(BIN)/coverage report --data-file=.coverage.both --include='$(CORE_MODULES)' \
		--omit='*/models/*' --fail-under=100

fuzz: $(VENV)/.installed-dev
	OPENTRM_FUZZ=1 $(BIN)/pytest -m fuzz tests/fuzz $(PYTEST_ARGS)

# Known vulnerabilities in the installed dependencies (PyPI advisory database; needs network to
# the package registry, as CI has). Fails on any finding; a finding without a fixed version is
# ignored only by naming it here with --ignore-vuln and a reason.
audit-deps: $(VENV)/.installed-dev
	$(BIN)/pip-audit --strict --progress-spinner off --skip-editable

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy opentrm tests bench conftest.py
	$(BIN)/lint-imports
	$(BIN)/opentrm makemigrations --check --dry-run

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_directory.py $(BENCH_ARGS)
	$(BIN)/python bench/bench_exchange.py
	$(BIN)/python bench/bench_directory_sync.py

messages: $(VENV)/.installed-dev
	cd opentrm && DJANGO_SETTINGS_MODULE=opentrm.config.settings_test ../$(BIN)/django-admin makemessages \
		-l sq -l ro -l sr --ignore tests --ignore migrations --add-location=file --no-obsolete
	cd opentrm && DJANGO_SETTINGS_MODULE=opentrm.config.settings_test ../$(BIN)/django-admin compilemessages
