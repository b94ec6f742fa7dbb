# Guanxi CRM. `make run` starts it on this machine; `make test` runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export PATH := $(HOME)/.local/bin:$(PATH)
UV := uv
RUN := $(UV) run --frozen
# The PostgreSQL run of the suite also uses Redis, so it exercises the production configuration.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/guanxi
TEST_REDIS_URL ?= redis://127.0.0.1:6379/10
# The suite runs in parallel workers, each with its own test database and Redis database (10, 11, …).
TEST_WORKERS ?= 2
PYTEST := $(RUN) pytest -p no:cacheprovider -n $(TEST_WORKERS) --durations=15
# The benchmarks load a million customers into their own database, never the test suite's.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/guanxi_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
BENCH_ARGS ?=

.PHONY: help run test test-sqlite test-postgres lint bench cluster cluster-stop setup assets messages makemessages services chromium pdf-libraries mail-server clean

help:
	@echo "make run    set up and start Guanxi with its embedded database (http://127.0.0.1:8000)"
	@echo "make test   set up and run the whole test suite on SQLite and PostgreSQL, then the linters"
	@echo "make bench  seed the benchmark dataset and print the figures (BENCH_ARGS=\"--customers 10000\" for a quick run)"
	@echo "make cluster       start a production-shaped cluster on this machine (docs/scaling.md); make cluster-stop"

run: setup
	$(RUN) guanxi migrate
	$(RUN) guanxi demo
	$(RUN) guanxi manage collectstatic --no-input --verbosity 0
	$(RUN) guanxi serve --with-worker

test: setup chromium services
	$(MAKE) test-sqlite
	$(MAKE) test-postgres
	$(MAKE) lint

test-sqlite:
	env -u DATABASE_URL -u REDIS_URL $(PYTEST)

test-postgres:
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PYTEST)

lint:
	$(RUN) ruff check src tests
	$(RUN) ruff format --check src tests
	$(RUN) mypy src tests
	$(RUN) lint-imports
	$(RUN) guanxi manage makemigrations --check --dry-run

bench: setup
	@scripts/ensure-services "$(BENCH_DATABASE_URL)" "$(BENCH_REDIS_URL)"
	$(RUN) guanxi manage collectstatic --no-input --verbosity 0
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(RUN) python -m tests.bench $(BENCH_ARGS)

# A primary and a streaming replica, PgBouncer, Redis, two web nodes behind nginx, two workers, under var/cluster/
# (docs/scaling.md); scripts/cluster-drill runs the failure drill against it.
cluster: setup
	scripts/cluster start

cluster-stop:
	scripts/cluster stop

# --- set-up -------------------------------------------------------------------------------------

setup: .venv/.synced assets messages pdf-libraries mail-server

.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --user --quiet uv
	$(UV) sync --frozen --compile-bytecode  # compiled once here, not on the first run's every import
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

assets: node_modules/.package-lock.json
	scripts/vendor-assets

messages: .venv/.synced
	@command -v msgfmt >/dev/null 2>&1 || scripts/apt-install gettext
	@cd src/guanxi && ../../.venv/bin/django-admin compilemessages --verbosity 0

makemessages: .venv/.synced
	cd src/guanxi && DJANGO_SETTINGS_MODULE=guanxi.settings ../../.venv/bin/django-admin makemessages \
		--locale zh_Hans --locale en --no-obsolete --no-location --ignore 'static/*'

chromium:
	@command -v chromium >/dev/null 2>&1 || scripts/apt-install chromium fonts-noto-cjk

# What WeasyPrint (quote PDFs) needs from Debian: Pango and HarfBuzz, and the Chinese fonts.
pdf-libraries:
	@ldconfig -p | grep -q libpangoft2-1.0.so.0 || scripts/apt-install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
	@test -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc || scripts/apt-install fonts-noto-cjk

# The mailbox tests start a real IMAP server: Dovecot from Debian (tests/integrations/mailserver.py).
mail-server:
	@command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || scripts/apt-install dovecot-imapd

services:
	@scripts/ensure-services "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"

clean:
	rm -rf .venv node_modules src/guanxi/static/vendor src/guanxi/customers/data/regions.json var/static
