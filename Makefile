# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/corerecovery
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test test-embedded lint lint-openapi services bench install clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The TypeScript toolchain tests/clients uses (openapi-typescript, openapi-fetch, tsc), exactly as locked.
TS_CLIENT := clients/typescript
$(TS_CLIENT)/node_modules/.installed: $(TS_CLIENT)/package.json $(TS_CLIENT)/package-lock.json
	cd $(TS_CLIENT) && npm ci --no-audit --no-fund
	touch $@

# The linters partner developers and API reviewers run over an OpenAPI document (Redocly CLI, Spectral), exactly
# as locked, with their configuration beside them.
OPENAPI_LINT := tools/openapi-lint
$(OPENAPI_LINT)/node_modules/.installed: $(OPENAPI_LINT)/package.json $(OPENAPI_LINT)/package-lock.json
	cd $(OPENAPI_LINT) && npm ci --no-audit --no-fund
	touch $@

# axe-core, which tests/browser injects into the pages Chromium renders, exactly as locked (no CDN).
BROWSER_TOOLS := tools/browser
$(BROWSER_TOOLS)/node_modules/.installed: $(BROWSER_TOOLS)/package.json $(BROWSER_TOOLS)/package-lock.json
	cd $(BROWSER_TOOLS) && npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.dev $(TS_CLIENT)/node_modules/.installed $(OPENAPI_LINT)/node_modules/.installed \
	$(BROWSER_TOOLS)/node_modules/.installed

## make run: the embedded set-up (SQLite, Celery eager, email and SMS to the console), seeded, on $(PORT), with
## `manage.py run_periodic` as its beat.
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py dashboard_rollup
	$(PY) manage.py seed_content
	$(PY) manage.py seed_routing --demo
	$(PY) manage.py seed_roles
	@echo "Core Recovery API on http://127.0.0.1:$(PORT)/api/v1/programs/ — docs at http://127.0.0.1:$(PORT)/api/docs/ — staff at http://127.0.0.1:$(PORT)/staff/"
# The periodic work (sweep and escalation, webhook retries, digest) beside runserver, as there is no Celery beat
# here; Ctrl-C stops both. Links in messages follow the port served on.
	export ADMIN_BASE_URL=$${ADMIN_BASE_URL:-http://127.0.0.1:$(PORT)}; \
	$(PY) manage.py run_periodic & periodic=$$!; trap 'kill $$periodic 2>/dev/null' EXIT; \
		$(PY) manage.py runserver 127.0.0.1:$(PORT)

## make test: lint, types, schema, then the whole suite against PostgreSQL and Redis (browser tests in Debian's
## Chromium included), then the tests marked `embedded` again on what `make run` uses.
test: install services lint lint-openapi
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest
	$(MAKE) --no-print-directory test-embedded

## make test-embedded: the tests marked `embedded` on the embedded default: SQLite (in memory), no Redis (local
## memory cache, eager Celery). What a newcomer meets on `make run` must work there, not only on PostgreSQL.
test-embedded: install
	DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 REDIS_URL= $(PY) -m pytest -m embedded -p no:cacheprovider

services: $(VENV)/.runtime
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) scripts/check_services.py

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	@command -v promtool >/dev/null || { echo "promtool is missing: apt-get install prometheus (.ci/run does)"; exit 1; }
	promtool check rules deploy/prometheus/alerts.yml
	promtool test rules deploy/prometheus/alerts.test.yml

## make lint-openapi: the OpenAPI document `manage.py spectacular` writes, through Redocly CLI and Spectral with
## the waivers in tools/openapi-lint: zero errors and zero warnings.
## The directory API's own document (/hsds/openapi.json, api/hsds/openapi.py) goes through the same two.
lint-openapi: $(VENV)/.dev $(OPENAPI_LINT)/node_modules/.installed
	@document=$$(mktemp --suffix=.yaml) && hsds=$$(mktemp --suffix=.json) && \
	trap 'rm -f "$$document" "$$hsds"' EXIT && \
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --validate --fail-on-warn \
		--file "$$document" && \
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m api.hsds.openapi > "$$hsds" && \
	cd $(OPENAPI_LINT) && \
	REDOCLY_TELEMETRY=off node_modules/.bin/redocly lint --config redocly.yaml "$$document" "$$hsds" && \
	node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity=warn "$$document" && \
	node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity=warn "$$hsds"

bench: $(VENV)/.dev
	$(PY) bench/content.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .mypy_cache .ruff_cache $(TS_CLIENT)/node_modules \
		$(OPENAPI_LINT)/node_modules $(BROWSER_TOOLS)/node_modules test-artifacts
