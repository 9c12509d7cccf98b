"""Settings shared by every environment. Values come from environment variables (see env.py).

This module holds no secret and no development default (issue 15 item 9, SPEC section 17): DEBUG is
off, SECRET_KEY and PAN_HMAC_KEY are set by the environment's module — production.py requires them,
development.py (the embedded SQLite/in-process default, named explicitly by `make run`) and test.py
use published development keys.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from amexprog.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = False
# SECRET_KEY and PAN_HMAC_KEY (the key of the HMAC that turns a card number into its look-up hash,
# SPEC section 3, PCI DSS 3.4.1) come from production.py or development.py, never from here.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Before django.contrib.admin so its change-form template adds the "Events" (history) button.
    "pghistory.admin",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "djmoney",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Recovery codes for a lost phone (issue 15 item 2): single-use static tokens.
    "django_otp.plugins.otp_static",
    "amexprog.common",
    "accounts",
    "ledger",
    "fees",
    "charges",
    "statements",
    "disputes",
    "complaints",
    "rewards",
    "liability",
    "communications",
    "documents",
    # The outbox of events and their webhooks (SPEC section 16, issue 18 item 7).
    "events",
    "portal",
    "pgtrigger",
    "pghistory",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy production.py names (issue 15 item 12); none when it is unset.
    "amexprog.common.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then PAs and ops who have not passed the TOTP step are sent to it.
    "django_otp.middleware.OTPMiddleware",
    "portal.otp.OtpRequiredMiddleware",
    # The audit trail's context (who, URL, client address, request id) for every write (SPEC section 1).
    "audit.middleware.AuditContextMiddleware",
    # Under /api/: JSON for unknown routes, 405 and 500 pages, a 308 for a missing trailing slash
    # (SPEC section 16, issue 18 item 3). Inside CommonMiddleware, after the request id is known.
    # `Amexprog-Version`: read from the request, echoed on every /api/ response, an unknown one a 400
    # (SPEC section 16, issue 18 item 9). Outside the JSON errors so they carry it too.
    "amexprog.common.versioning.ApiVersionMiddleware",
    "amexprog.common.routing.ApiJsonErrorsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # PA and ops sessions end after 15 minutes idle and 12 hours in all (SPEC section 17).
    "portal.session_limits.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "amexprog.urls"
WSGI_APPLICATION = "amexprog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Without DATABASE_URL there is no database here: development.py falls back to SQLite, production.py
# refuses to start.
DATABASE_URL = env_str("DATABASE_URL")
DATABASES: dict = {}
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    if DATABASES["default"]["ENGINE"] not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or sqlite:// URL")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # At least 12 characters (SPEC section 17, issue 15 item 10).
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("da", _("Danish")),
    ("nl", _("Dutch")),
    ("fr", _("French")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Copenhagen")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves STATIC_ROOT; development and tests serve straight from the finders.
WHITENOISE_AUTOREFRESH = False
WHITENOISE_USE_FINDERS = False

LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

# Money (SPEC section 2): billing currencies per market.
CURRENCIES = ("DKK", "EUR", "USD", "SEK", "NOK", "GBP", "CHF", "PLN", "JPY")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Cursor pagination (`starting_after`, `limit`) and `updated_after` on every list (SPEC section 16,
    # issue 18 item 6): amexprog/common/pagination.py.
    "DEFAULT_PAGINATION_CLASS": "amexprog.common.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "amexprog.common.pagination.UpdatedAfterFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "amexprog.common.openapi.ScopedAutoSchema",
    "EXCEPTION_HANDLER": "amexprog.common.api.exception_handler",
    # Rate limits: a 429 with Retry-After (SPEC section 16, issue 18 item 9; amexprog/common/throttling.py).
    # Generous defaults; the card network's token is never limited. Change them here or per environment.
    "DEFAULT_THROTTLE_CLASSES": ["amexprog.common.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_RATE_TOKEN") or "3000/min",
        "session": env_str("API_RATE_SESSION") or "1200/min",
        "anonymous": env_str("API_RATE_ANONYMOUS") or "120/min",
    },
    "COERCE_DECIMAL_TO_STRING": True,
    # JSON bodies only (SPEC section 16, issue 18 item 1): a view that takes a file names its own parsers.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "amexprog API",
    "DESCRIPTION": (
        "Corporate card programme API. Authenticate with `Authorization: Token <key>`; a company "
        "token sees only its company. A token has a scope: `read-only` (GET, HEAD and OPTIONS only), "
        "`read-write`, or `network` (the card network's: authorizations and whoami only); a call its "
        "scope does not allow is a 403 `insufficient_scope`, a revoked token a 401. Every POST accepts an "
        "`Idempotency-Key` header: a replay "
        "returns the first response, the same key with a different body is a 409. Lists page by cursor: "
        "`starting_after` (the previous page's `next_starting_after`) and `limit`; every object has "
        "`created_at` and `updated_at`, every list an `updated_after` filter. Send `Amexprog-Version` to pin "
        "a version (the response echoes it). Over a rate limit: a 429 with `Retry-After`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Self-hosted Swagger UI: the docs work without reaching a CDN.
    # One name per choice set: several models call their field `status` or `reason`.
    "ENUM_NAME_OVERRIDES": {
        "LiabilityEnum": "accounts.models.Liability",
        "TransactionSourceEnum": "charges.transaction_models.TransactionSource",
        "EnrolmentSourceEnum": "rewards.models.Enrolment.Source",
        "BillingTypeEnum": "accounts.models.BillingType",
        "DeclineReasonEnum": "charges.authorization_models.DeclineReason",
        "EnrolmentStatusEnum": "rewards.models.Enrolment.Status",
        "AccountStatusEnum": "accounts.models.Account.Status",
        "CardStatusEnum": "accounts.models.Card.Status",
        "DisputeStatusEnum": "disputes.models.Dispute.Status",
        "RefundRequestStatusEnum": "disputes.models.RefundRequest.Status",
        "DisputeReasonEnum": "disputes.models.DisputeReason",
        "MarketEnum": "accounts.models.Market",
        "AuthorizationTypeEnum": "charges.authorization_models.AuthorizationType",
        "IncidentKindEnum": "disputes.models.UnauthorizedUseIncident.Kind",
        "IncidentStatusEnum": "disputes.models.UnauthorizedUseIncident.Status",
    },
    # The one error shape, plain component names, public descriptions (issue 18 item 5).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "amexprog.common.openapi_hooks.schema_postprocess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery (DESIGN "Jobs"): the broker is REDIS_URL; development.py runs tasks in-process without it.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "run-cycle-nightly": {
        "task": "amexprog.common.tasks.run_cycle_task",
        "schedule": 60 * 60,  # hourly; the task only advances to yesterday, so extra runs are no-ops
    },
}

# Idempotency-Key replays are kept at least this long (SPEC section 16); the daily
# `idempotency_records_purge` step deletes records older than this (SPEC section 17, issue 15 item 7).
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 48, minimum=24)

# django-axes: lock a login after repeated failures (SPEC section 3, PA sheet "password unlock").
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1, minimum=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked.html"

# Two-factor login (issue #8): programme administrators and ops (staff) enter a TOTP code after their
# password, on the portal and the admin; wrong codes count toward the axes lockout above.
OTP_REQUIRED_FOR_PAS = env_bool("OTP_REQUIRED_FOR_PAS", True)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "amexprog")
# The admin never shows a device's secret, its QR code or recovery codes: an ops user who could read
# a PA's TOTP key would hold their second factor (SPEC section 17; issue 15 items 1-2).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Second-factor failures (SPEC section 17, issue 15 item 1) are counted per user and survive a correct
# password (axes' count above does not: AXES_RESET_ON_SUCCESS): after OTP_FAILURE_LIMIT wrong codes in a
# row every code is refused for OTP_LOCKOUT_MINUTES, doubling with each further wrong code; only a
# correct code resets the count (accounts.security.second_factor_locked_until). The count is kept in
# django-otp's failure counters on the devices; its own 1-2-4-second back-off, which would refuse a
# right code typed a second after a wrong one, is replaced by this lock.
OTP_FAILURE_LIMIT = env_int("OTP_FAILURE_LIMIT", 5, minimum=1)
OTP_LOCKOUT_MINUTES = env_int("OTP_LOCKOUT_MINUTES", 15, minimum=1)
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# Sessions of PAs and ops (SPEC section 17, issue 15 item 10; portal.session_limits): they end after this
# long without a request, and this long after the login in all. Cardmembers keep SESSION_COOKIE_AGE.
PRIVILEGED_SESSION_IDLE_MINUTES = env_int("PRIVILEGED_SESSION_IDLE_MINUTES", 15, minimum=1)
PRIVILEGED_SESSION_MAX_HOURS = env_int("PRIVILEGED_SESSION_MAX_HOURS", 12, minimum=1)
# Password-reset mail (issue 15 item 10): at most this many per address and per client address an hour
# (the cache: Redis with REDIS_URL, else the process's memory).
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 3, minimum=1)
PASSWORD_RESET_LIMIT_PER_CLIENT = env_int("PASSWORD_RESET_LIMIT_PER_CLIENT", 10, minimum=1)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Email: SMTP configured by the EMAIL_* variables below; development.py prints to the console (nothing
# leaves the machine); tests use locmem (django.core.mail.outbox).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@amexprog.example")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")  # or EMAIL_HOST_PASSWORD_FILE
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are mutually exclusive")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pan": {"()": "amexprog.common.logging.MaskPanFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_pan"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
AXES_VERBOSE = False

# Reminder timing, delinquency thresholds, hold lifetime, card lifecycle periods and contactless
# ceilings are data ops edit with an effective date (accounts.models.ProgrammeRules), not settings.

# Accounts per chunk when the cycle fans out over accounts (DESIGN "Jobs").
CYCLE_CHUNK_SIZE = env_int("CYCLE_CHUNK_SIZE", 2000, minimum=1)

# Where new card numbers go for the embosser (ops): JSON lines, one file per day, readable by the owner only.
EMBOSSING_DIR = Path(env_str("EMBOSSING_DIR", str(BASE_DIR / "var" / "embossing")))
# The embosser's age public key (age1…): the spool and `import_cards --report` are encrypted to it
# (SPEC section 16, issue 15 item 6). Without one, only this development default writes them in clear
# (and says so); production.py sets EMBOSSING_CLEARTEXT_ALLOWED = False, so no key means no file.
EMBOSSER_AGE_RECIPIENT = env_str("EMBOSSER_AGE_RECIPIENT", "")
EMBOSSING_CLEARTEXT_ALLOWED = False  # development.py allows clear files, saying so
# Spool files not collected (`manage.py collect_embossing`) are deleted by the daily cycle after this.
EMBOSSING_SPOOL_RETENTION_DAYS = env_int("EMBOSSING_SPOOL_RETENTION_DAYS", 14, minimum=1)

# SAS EuroBonus (SPEC section 13): the folder the monthly points files are written to for the transfer
# to SAS, and how long an export may wait for SAS's confirmation before ops are shown it (7–10 weeks).
EUROBONUS_EXPORT_DIR = Path(env_str("EUROBONUS_EXPORT_DIR", str(BASE_DIR / "var" / "eurobonus")))
EUROBONUS_CONFIRMATION_OVERDUE_DAYS = env_int("EUROBONUS_CONFIRMATION_OVERDUE_DAYS", 70, minimum=1)
# Webhooks (SPEC section 16): a commit that writes events asks for a delivery at once; this catches the rest
# (retries whose wait is over, events of bulk paths and of kicks skipped within the same second).
CELERY_BEAT_SCHEDULE["webhooks-dispatch"] = {
    "task": "events.tasks.webhooks_dispatch",
    "schedule": 10,
}
# Webhook URLs must be https on a public host; the development and test settings allow a local receiver.
WEBHOOKS_ALLOW_LOCAL = False

CELERY_BEAT_SCHEDULE["eurobonus-export"] = {
    "task": "rewards.tasks.eurobonus_export_due",
    "schedule": 6 * 60 * 60,  # a complete month is exported once; later runs find nothing to do
}

# ECB euro reference rates (SPEC section 6): published about 16:00 CET on TARGET days.
ECB_DAILY_RATES_URL = env_str("ECB_DAILY_RATES_URL", "https://www.ecb.europa.eu/stats/eurofxref/eurofxref.zip")
CELERY_BEAT_SCHEDULE["ecb-daily-rates"] = {
    "task": "charges.tasks.fx_rates_fetch_daily",
    "schedule": 60 * 60,  # hourly: a day already loaded adds nothing, a missed publication is picked up
}

# Disputes (SPEC section 12): evidence files go to Django's default storage under MEDIA_ROOT; they are
# served only through the scoped portal and API views, never from a public media URL.
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "media"))
DISPUTE_ATTACHMENT_MAX_BYTES = env_int("DISPUTE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)

# Uploads (charge, payment and order files, evidence) are limited while they stream, before anything is
# spooled (SPEC section 17, issue 15 item 12): the request's files together at most UPLOAD_MAX_BYTES.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 100 * 1024 * 1024, minimum=1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "amexprog.common.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, stated: a non-file body over 2.5 MB is refused
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Audit trail (SPEC section 1): django-pghistory triggers on PostgreSQL. The triggers live with the
# `audit` app's event models and are installed after every migrate (audit.apps), not through the
# tracked apps' migrations; SQLite has no triggers and no audit trail (README).
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = False
PGHISTORY_ADMIN_CLASS = "audit.admin_events.EventsAdmin"  # says "PostgreSQL only" on SQLite
PGHISTORY_ADMIN_LIST_DISPLAY = ["pgh_created_at", "pgh_label", "pgh_obj_model", "pgh_obj_id", "pgh_diff",
                                "pgh_context"]
# Data protection (SPEC section 15): personal data of a cardmember whose accounts all closed more than
# this many years ago is pseudonymised (bookkeeping retention period); ledger amounts never change.
PERSONAL_DATA_RETENTION_YEARS = env_int("PERSONAL_DATA_RETENTION_YEARS", 5, minimum=1)

# Notices (SPEC section 15): the portal's address, for the link in every notice email.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000/")

# The sandbox's POST /api/v1/sandbox/… helpers (SPEC section 16): development and test settings switch them
# on; production never routes them (production.py sets False whatever else says).
SANDBOX_ENABLED = False
