"""Guanxi settings: one module, configured by environment variables.

With nothing set, Guanxi runs on an embedded SQLite database and an SQLite-backed queue under ``var/``.
Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``SITE_URL``.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _


def env(name: str, default: str = "") -> str:
    """A variable that is unset or empty means "use the default"."""
    return os.environ.get(name) or default


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env("GUANXI_VAR_DIR", str(BASE_DIR.parent.parent / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment; else one generated once and kept in var/ for a local install."""
    if key := env("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
# `guanxi serve --bind` sets BIND, so a local install's links (e-mails, calendar feeds) point where it listens;
# a wildcard address is reached on this machine as 127.0.0.1.
BIND = env("BIND", "127.0.0.1:8000")
BIND_HOST, BIND_PORT = BIND.rsplit(":", 1) if ":" in BIND else ("", BIND)
if BIND_HOST in ("", "0.0.0.0", "[::]"):
    BIND_HOST = "127.0.0.1"
SITE_URL = env("SITE_URL", f"http://{BIND_HOST}:{BIND_PORT}").rstrip("/")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", f"localhost,127.0.0.1,[::1],{BIND_HOST}")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", SITE_URL)
TESTING = False  # set by tests/conftest.py

# Guanxi's apps from the bottom of the stack up (docs/architecture.md): each app's ready() and demo run after
# those of the apps it builds on.
INSTALLED_APPS = [
    "guanxi.core",
    "guanxi.org",
    "guanxi.workflows",
    "guanxi.customers",
    "guanxi.activities",
    "guanxi.pool",
    "guanxi.sales",
    "guanxi.leads",
    "guanxi.service",
    "guanxi.finance",
    "guanxi.collab",
    "guanxi.expenses",
    "guanxi.retention",
    "guanxi.portal",
    "guanxi.calls",
    "guanxi.marketing",
    "guanxi.io",
    "guanxi.integrations",
    "guanxi.analytics",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "guanxi.core.replica.PrimaryPinMiddleware",  # read-your-writes: before anything that reads
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "guanxi.core.boundary.PartnerBoundaryMiddleware",  # a channel partner's people: the portal only (404 elsewhere)
    "guanxi.core.middleware.RequestSizeMiddleware",  # before anything reads the body (CSRF reads it in process_view)
    "guanxi.core.middleware.RequestContextMiddleware",
    "guanxi.org.middleware.UserLanguageMiddleware",
    "guanxi.core.middleware.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "guanxi.org.middleware.SessionActivityMiddleware",
    "guanxi.org.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "guanxi.urls"
FORM_RENDERER = "guanxi.core.renderers.FormRenderer"  # Django's, with a select's options written in Python
WSGI_APPLICATION = "guanxi.wsgi.application"

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
                "django.template.context_processors.i18n",
                "guanxi.core.context_processors.shell",
            ],
            "builtins": ["django.templatetags.i18n", "django.templatetags.static"],
        },
    },
]

# Database: SQLite in WAL mode under var/ unless DATABASE_URL names another.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'guanxi.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of failing.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a connection the server or the pooler dropped is replaced
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None  # no prepared statements
# Behind PgBouncer in transaction mode (DATABASE_TRANSACTION_POOLING=1), a server connection serves another client
# after every transaction: no server-side cursors (they live across transactions), no prepared statements (above),
# no session state (Guanxi takes no session advisory locks and sets no session variables; docs/scaling.md).
DATABASE_TRANSACTION_POOLING = envbool("DATABASE_TRANSACTION_POOLING", False)
if DATABASE_TRANSACTION_POOLING:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Reports, dashboards and exports read from a replica when DATABASE_REPLICA_URL names one (guanxi.core.replica):
# not inside a transaction, not for REPLICA_PIN_SECONDS after the user wrote, and not while the replica is down or
# lags more than REPLICA_MAX_LAG_SECONDS (asked at most every REPLICA_CHECK_SECONDS per process).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"].setdefault("OPTIONS", {}).update({"connect_timeout": 2, "prepare_threshold": None})
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["guanxi.core.replica.ReplicaRouter"]
REPLICA_PIN_SECONDS = envint("REPLICA_PIN_SECONDS", 5)
REPLICA_MAX_LAG_SECONDS = float(env("REPLICA_MAX_LAG_SECONDS", "10"))
REPLICA_CHECK_SECONDS = float(env("REPLICA_CHECK_SECONDS", "1"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Queue and cache: Redis when REDIS_URL is set; otherwise SQLite queue and local memory cache.
REDIS_URL = env("REDIS_URL")
HUEY = {
    "name": "guanxi",
    "immediate": False,
    "utc": True,
    "consumer": {"workers": envint("WORKER_THREADS", 2), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY |= {"huey_class": "guanxi.core.degraded.DegradingRedisHuey", "url": REDIS_URL}
    # Redis down degrades instead of failing: the cache answers "not cached" (pages compute from the database),
    # sessions are read from and written to the database (cached_db), only the queue waits for Redis (/healthz).
    CACHES = {
        "default": {
            "BACKEND": "guanxi.core.degraded.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    HUEY |= {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "queue.sqlite3")}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = ["guanxi.org.backends.UserBackend"]
LOGIN_URL = "org:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "org:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60 * 12)
# Sign-in lockout (SPEC §1.5, org.security): this many failures within the window lock the account, or the
# address, for SIGNIN_LOCKOUT_MINUTES. The per-address limit is high because offices share one address.
SIGNIN_FAILURE_LIMIT = envint("SIGNIN_FAILURE_LIMIT", 5)
# The worker's nightly backup (guanxi jobs run backup): the hour it runs (server time) and how many it keeps.
BACKUP_HOUR = envint("BACKUP_HOUR", 2)
BACKUPS_KEPT = envint("BACKUPS_KEPT", 7)
# The largest request body anywhere (ten 10 MB attachments and their form); routes may take less (limit_upload).
MAX_REQUEST_BYTES = envint("MAX_REQUEST_MB", 110) * 2**20
SIGNIN_IP_FAILURE_LIMIT = envint("SIGNIN_IP_FAILURE_LIMIT", 20)
SIGNIN_FAILURE_WINDOW_MINUTES = envint("SIGNIN_FAILURE_WINDOW_MINUTES", 15)
SIGNIN_LOCKOUT_MINUTES = envint("SIGNIN_LOCKOUT_MINUTES", 15)

# Internationalisation
LANGUAGE_CODE = env("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
FORMAT_MODULE_PATH = ["guanxi.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
CURRENCY = env("CURRENCY", "CNY")

# Static files: npm assets are copied into static/vendor at set-up; WhiteNoise serves them.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Mailbox passwords (SPEC §13.4) are encrypted with Fernet keys: GUANXI_MAILBOX_KEYS is a comma-separated list,
# the first encrypting, all decrypting (rotation: put a new key first, run `guanxi jobs run mailboxes_rotate_keys`,
# then drop the old one; docs/integrations.md). Unset, a key derived from SECRET_KEY serves a local install.
MAILBOX_KEYS = envlist("GUANXI_MAILBOX_KEYS", "")
MAILBOX_ATTACHMENT_MAX_BYTES = envint("GUANXI_MAILBOX_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)

# E-mail: sent through EMAIL_HOST when one is set; a local install without one writes each message to a file
# under var/mail/ (`guanxi serve` says so), where the console would bury the server's log.
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Guanxi CRM <crm@localhost>")

# Security. Cookies are secure whenever the site is served over HTTPS.
HTTPS = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_PROXY", False) else None
SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's own, refusing a channel partner's people outside the portal's routes (guanxi.core.boundary)
        "guanxi.core.boundary.TokenAuthentication",
        "guanxi.core.boundary.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "guanxi.core.rest.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "guanxi.core.rest.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "guanxi.core.rest.FilterBackend",  # django-filter's, its FilterSet classes built once
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "guanxi.core.rest.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Guanxi CRM API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "guanxi.core.rest.document_refusals"],
    "ENUM_NAME_OVERRIDES": {
        "UserStatusEnum": "guanxi.org.models.User.Status",
        "LifecycleEnum": "guanxi.customers.models.Lifecycle",
        "OpportunityStatusEnum": "guanxi.sales.models.Status",
        "IoJobStatusEnum": "guanxi.io.models.JobStatus",
        "PlanKindEnum": "guanxi.activities.models.PlanKind",
        "LeadFormFieldEnum": "guanxi.leads.webforms.PUBLIC_FIELD_CODES",
        "ApprovalDecisionEnum": "guanxi.workflows.models.Decision",
        "ConflictDecisionEnum": "guanxi.pool.models.ConflictCase.Decision",
        "QuoteStatusEnum": "guanxi.sales.quotes.models.QuoteStatus",
        "ApprovalRequestStatusEnum": "guanxi.workflows.models.RequestStatus",
        "TargetKindEnum": "guanxi.analytics.models.TargetKind",
        "MailSecurityEnum": "guanxi.integrations.mailboxes.models.Security",
        "LeadStatusEnum": "guanxi.leads.models.LeadStatus",
        "TicketStatusEnum": "guanxi.service.models.TicketStatus",
        "CallDirectionEnum": "guanxi.calls.models.Direction",
        "CallEventEnum": "guanxi.calls.models.Event",
        "MarketingChannelEnum": "guanxi.marketing.messages.models.Channel",
        "CampaignMemberKindEnum": "guanxi.marketing.campaigns.models.MemberKind",
        "CampaignAudienceKindEnum": "guanxi.marketing.campaigns.models.AudienceKind",
    },
}

# Every line in gunicorn's format and in TIME_ZONE (Django sets the process's TZ; `guanxi serve` loads the
# settings before gunicorn starts, so its own lines follow too).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "format": "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            "datefmt": "%Y-%m-%d %H:%M:%S %z",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # Huey's consumer adds a handler of its own to a logger without one; not propagating avoids every line twice.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # a line per webhook delivery: the delivery log keeps each attempt already
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
