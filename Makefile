# Two commands do all set-up on a fresh machine: `make run` and `make test` (README).
# Every entry point defaults to production settings (issue 15 item 9): the targets below name the
# development or test settings explicitly.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install messages run test lint check prod-check makemessages clean

run check makemessages: export DJANGO_SETTINGS_MODULE = amexprog.settings.development
test: export DJANGO_SETTINGS_MODULE = amexprog.settings.test

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Compile the da/nl/fr catalogues with Babel (pure Python: no gettext needed on the machine).
messages: install
	@$(VENV)/bin/pybabel compile --statistics -d locale -D django 2>&1 | grep -v "^compiling" || true

run: messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --history
	@echo "Portal: http://$(HOST):$(PORT)/  Admin: http://$(HOST):$(PORT)/admin/  API docs: http://$(HOST):$(PORT)/api/docs/"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: messages
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

# System checks and migration drift under the development settings (CI runs the same).
check: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

# check --deploy under production settings, with throwaway secrets (check does not connect to either service).
prod-check: install
	DJANGO_SETTINGS_MODULE=amexprog.settings.production \
	DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	PAN_HMAC_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))') \
	REQUEST_HMAC_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))') \
	FIELD_ENCRYPTION_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))') \
	DJANGO_ALLOWED_HOSTS=cards.example.com \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/amexprog} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	$(PY) manage.py check --deploy --fail-level WARNING

# Refresh the catalogues after changing user-visible strings (needs GNU gettext's xgettext).
makemessages: install
	$(PY) manage.py makemessages -l da -l nl -l fr --ignore .venv --ignore 'bench/*' --ignore 'tests/*'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
