"""Test settings (pytest names them in pyproject.toml): the development settings, never production's,
with fast hashing, eager tasks and email kept in memory; the database follows DATABASE_URL like
everywhere else (issue 15 item 9: the dev-safe values are inherited explicitly, not from base.py)."""

from amexprog.settings.development import *  # noqa: F401,F403
from amexprog.settings.development import DATABASES, DEV_FIELD_ENCRYPTION_KEY, DEV_PAN_HMAC_KEY, DEV_SECRET_KEY

# The published development keys, whatever the environment says: tests never see a real secret.
SECRET_KEY = DEV_SECRET_KEY
PAN_HMAC_KEY = DEV_PAN_HMAC_KEY
FIELD_ENCRYPTION_KEY = DEV_FIELD_ENCRYPTION_KEY
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# In memory even when REDIS_URL is set: parallel test runs must not share throttling counters.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# A webhook receiver on the developer's machine (http, loopback) is allowed here only (SPEC section 16).
WEBHOOKS_ALLOW_LOCAL = True
