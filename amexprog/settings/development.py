"""Development settings: the embedded default `make run` names explicitly (issue 15 item 9).

DEBUG on, the published development keys, SQLite without DATABASE_URL and Celery tasks in-process
(eager) without REDIS_URL, email printed to the console, WhiteNoise serving straight from the
finders. Nothing here is fit for production: every entry point (manage.py, wsgi.py, asgi.py,
celery.py, the Docker image) defaults to `amexprog.settings.production`, which refuses to start
without real secrets (SPEC section 17: settings fail closed). Name this module explicitly:
`DJANGO_SETTINGS_MODULE=amexprog.settings.development`.
"""

from amexprog.settings.base import *  # noqa: F401,F403
from amexprog.settings.base import BASE_DIR, DATABASE_URL, REDIS_URL
from amexprog.settings.env import env_bool, env_list, env_str

DEBUG = env_bool("DJANGO_DEBUG", True)
# Published on purpose: production.py refuses both, so a deployment can never run on them.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-0123456789abcdef"
DEV_PAN_HMAC_KEY = "dev-only-pan-hmac-key"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
# Key of the HMAC that turns a card number into its look-up hash (SPEC section 3, PCI DSS 3.4.1).
PAN_HMAC_KEY = env_str("PAN_HMAC_KEY", DEV_PAN_HMAC_KEY)
# Key of the HMAC over API request bodies (Idempotency-Key records) and loaded charge files, which may
# carry card numbers: never an unkeyed hash of a PAN (SPEC section 17, issue 15 item 7). Its own key.
DEV_REQUEST_HMAC_KEY = "dev-only-request-hmac-key"
REQUEST_HMAC_KEY = env_str("REQUEST_HMAC_KEY", DEV_REQUEST_HMAC_KEY)
# Key that encrypts the secrets the product stores and reads back (webhook signing secrets; SPEC 17,
# amexprog.common.encryption). Its own key: changing it makes the stored secrets unreadable.
DEV_FIELD_ENCRYPTION_KEY = "dev-only-field-encryption-key"
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY", DEV_FIELD_ENCRYPTION_KEY)
# Without EMBOSSER_AGE_RECIPIENT the embossing spool and `import_cards --report` are written in clear,
# with a warning (issue 15 item 6); production never does.
EMBOSSING_CLEARTEXT_ALLOWED = True
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

# With DATABASE_URL unset the product runs on SQLite; with REDIS_URL unset Celery tasks run in-process,
# so a newcomer needs neither PostgreSQL nor a broker (SPEC section 16).
if not DATABASE_URL:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None

# Email is printed to the console: nothing leaves the machine.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# The sandbox (SPEC section 16): authorize by card id, clear, expire holds, post payments, advance the
# business date — here and in the tests, never in production.
SANDBOX_ENABLED = True

WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# A webhook receiver on the developer's machine (http, loopback) is allowed here only (SPEC section 16).
WEBHOOKS_ALLOW_LOCAL = True
