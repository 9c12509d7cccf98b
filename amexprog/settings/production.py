"""Production settings: secrets from the environment (or *_FILE), HTTPS everywhere.

The default of every entry point (manage.py, wsgi.py, asgi.py, celery.py, the Docker image): without
an explicit development settings module the product runs here, and refuses to start without
DJANGO_SECRET_KEY, PAN_HMAC_KEY, REQUEST_HMAC_KEY, FIELD_ENCRYPTION_KEY, DATABASE_URL, REDIS_URL and
DJANGO_ALLOWED_HOSTS (issue 15 item 9,
SPEC section 17: settings fail closed).

`DJANGO_SETTINGS_MODULE=amexprog.settings.production manage.py check --deploy` passes with no
warnings once DJANGO_SECRET_KEY, PAN_HMAC_KEY, REQUEST_HMAC_KEY and FIELD_ENCRYPTION_KEY are set to real
values.
EMBOSSER_AGE_RECIPIENT (the embosser's age public key) is needed before any card can be issued.
"""

from django.core.exceptions import ImproperlyConfigured

from amexprog.common.csp import PRODUCTION_POLICY
from amexprog.settings.base import *  # noqa: F401,F403
from amexprog.settings.development import (  # published: refused below
    DEV_FIELD_ENCRYPTION_KEY,
    DEV_PAN_HMAC_KEY,
    DEV_REQUEST_HMAC_KEY,
    DEV_SECRET_KEY,
)
from amexprog.settings.env import env_bool, env_int, env_list, env_required, env_str

DEBUG = False
WHITENOISE_AUTOREFRESH = False
WHITENOISE_USE_FINDERS = False
SECRET_KEY = env_required("DJANGO_SECRET_KEY")
PAN_HMAC_KEY = env_required("PAN_HMAC_KEY")
REQUEST_HMAC_KEY = env_required("REQUEST_HMAC_KEY")
FIELD_ENCRYPTION_KEY = env_required("FIELD_ENCRYPTION_KEY")
if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a real secret of at least 50 characters")
if PAN_HMAC_KEY == DEV_PAN_HMAC_KEY or len(PAN_HMAC_KEY) < 32:
    raise ImproperlyConfigured("PAN_HMAC_KEY must be a real secret of at least 32 characters")
if REQUEST_HMAC_KEY == DEV_REQUEST_HMAC_KEY or len(REQUEST_HMAC_KEY) < 32:
    raise ImproperlyConfigured("REQUEST_HMAC_KEY must be a real secret of at least 32 characters")
# Webhook signing secrets are stored encrypted under it (amexprog.common.encryption; SPEC section 17).
if FIELD_ENCRYPTION_KEY == DEV_FIELD_ENCRYPTION_KEY or len(FIELD_ENCRYPTION_KEY) < 32:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be a real secret of at least 32 characters")
# Card numbers for the embosser are written only encrypted to its age key (SPEC section 16, issue 15
# item 6). The key may be set later: until then card orders are refused ("no key, no file").
EMBOSSING_CLEARTEXT_ALLOWED = False
# The sandbox's helpers post charges and run the daily cycle on demand: never routed in production (SPEC 16).
SANDBOX_ENABLED = False
if EMBOSSER_AGE_RECIPIENT:  # noqa: F405 (from base)
    import pyrage

    try:
        pyrage.x25519.Recipient.from_str(EMBOSSER_AGE_RECIPIENT.strip())  # noqa: F405
    except pyrage.RecipientError as exc:
        raise ImproperlyConfigured("EMBOSSER_AGE_RECIPIENT must be an age X25519 public key (age1…)") from exc
# SQLite and in-process ("eager") tasks are development conveniences (development.py): production
# refuses to start without PostgreSQL and a broker, rather than quietly writing the ledger to a local file.
env_required("DATABASE_URL", purpose="the PostgreSQL database (postgres://…) in production")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":  # noqa: F405 (from base)
    raise ImproperlyConfigured("DATABASE_URL must name the PostgreSQL database (postgres://…) in production")
env_required("REDIS_URL", purpose="the Celery broker (redis://…) in production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set: the host names served, comma-separated")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# Issue 15 item 12: a Content-Security-Policy on every response (amexprog.common.csp), and the language
# cookie as guarded as the session's.
CONTENT_SECURITY_POLICY = env_str("CONTENT_SECURITY_POLICY", PRODUCTION_POLICY)
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Email goes out over SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD(_FILE),
# EMAIL_USE_TLS / EMAIL_USE_SSL, DEFAULT_FROM_EMAIL; parsed in base.py, EMAIL_HOST defaults to localhost:25)
# unless EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
