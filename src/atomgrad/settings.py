"""atomgrad settings. Every value comes from the environment (12-factor); defaults suit local development.

See README.md, "Configuration", for the list of variables.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent  # src/atomgrad
REPO_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("ATOMGRAD_VAR_DIR", REPO_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret(name: str) -> str:
    """A secret kept in var/ so a development machine keeps sessions and hashes across restarts.

    Production sets the environment variable instead; this file is never in the repository.
    """
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / f".{name.lower()}"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG")
# Shows a banner on every page saying the people and organisations are fictional (`make run` turns it on).
DEMO_MODE = env_bool("DEMO_MODE")
SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret("SECRET_KEY")
# Key of the keyed hash that stores voters' phone numbers (HMAC-SHA256); losing it orphans all identities.
PHONE_HASH_KEY = os.environ.get("PHONE_HASH_KEY") or _local_secret("PHONE_HASH_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The absolute address in e-mails and bot messages; unset, it follows PORT (what `make run` serves on), so an
# applicant's link points at the server that sent it.
SITE_URL = (os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "atomgrad.core",
    "atomgrad.jobs",
    "atomgrad.cities",
    "atomgrad.citystats",
    "atomgrad.award",
    "atomgrad.voting",
    "atomgrad.results",
    "atomgrad.integrity",
    "atomgrad.bot",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "atomgrad.core.middleware.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "atomgrad.core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "atomgrad.core.middleware.RussianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "atomgrad.core.middleware.PrivateResponseMiddleware",
]

ROOT_URLCONF = "atomgrad.urls"

# Long jobs (ceremony documents, the season's protocols): the Django tasks framework (the `django-tasks`
# backport) with its database backend, so the queue needs no server of its own and a queued job survives a
# restart; `manage.py db_worker` runs them (`make run` starts one beside the web server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
WSGI_APPLICATION = "atomgrad.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "atomgrad.core.context_processors.site",
                "atomgrad.voting.context_processors.voter",
                "atomgrad.bot.context_processors.telegram_bot",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "atomgrad.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections persist (DB_CONN_MAX_AGE) on SQLite too: opening one costs ~3 ms of CPU, and closing the last
    # one checkpoints and deletes the WAL — a third of an API vote's time when done per request
    # (docs/PERFORMANCE.md).
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so read-then-write rules (the vote cap,
        # the ledger head) cannot interleave between connections; WAL lets readers go on meanwhile.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A file (not :memory:) so that concurrency tests can open many connections to one test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    # Prepared statements for the vote's hand-written statements (`core.rawsql`: psycopg prepares a statement
    # the fifth time a connection runs it; Django's own queries bind on the client and are never prepared).
    # Off (DB_PREPARED_STATEMENTS=0) behind a pooler that cannot keep them: PgBouncer in transaction mode
    # before 1.21, or without max_prepared_statements (docs/deployment.md).
    if env_bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "award:committee_queue"
LOGOUT_REDIRECT_URL = "core:home"

# --- Language and time ----------------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"  # display and input; storage is UTC (USE_TZ)
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Petitions and other private uploads: never under MEDIA_URL, served only through permission-checked views.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Uploaded public media (candidates' photos) served by Django itself: on for `make run` (one command, no proxy);
# in production the proxy serves MEDIA_ROOT (docs/deployment.md) and this stays off.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# POSTs of the application form (new and corrected) per client address per hour (IPv6 by its /64), counted
# in the database so that every worker shares the budget (award/views/apply.py, core/ratelimit.py).
APPLY_POSTS_PER_ADDRESS_PER_HOUR = int(os.environ.get("APPLY_POSTS_PER_ADDRESS_PER_HOUR", "30"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "«Новые Созидатели» <noreply@atomgrad.local>")

# --- SMS (one-time codes for voters) --------------------------------------------------------------------
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")  # console | file | http
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", VAR_DIR / "sms.log"))
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_HTTP_TIMEOUT = float(os.environ.get("SMS_HTTP_TIMEOUT", "5"))
SMS_HTTP_RETRIES = int(os.environ.get("SMS_HTTP_RETRIES", "2"))
SMS_HTTP_BACKOFF = float(os.environ.get("SMS_HTTP_BACKOFF", "0.5"))
# Limits against code brute-forcing and SMS pumping (see docs/identity.md).
OTP_CODES_PER_NUMBER_PER_HOUR = int(os.environ.get("OTP_CODES_PER_NUMBER_PER_HOUR", "5"))
OTP_CODES_PER_ADDRESS_PER_HOUR = int(os.environ.get("OTP_CODES_PER_ADDRESS_PER_HOUR", "20"))
OTP_RESEND_INTERVAL_SECONDS = int(os.environ.get("OTP_RESEND_INTERVAL_SECONDS", "60"))
OTP_ALLOWED_REGIONS = env_list("OTP_ALLOWED_REGIONS", "RU")
# The address is a soft signal (docs/identity.md): past OTP_CODES_PER_ADDRESS_PER_HOUR a request draws on the budget
# all such crowded addresses share; the hard ceiling stops one address for good. The range budget counts blocks
# of 10,000 numbers; the global one caps what an SMS-pumping attack can cost in an hour.
OTP_CODES_PER_ADDRESS_HARD_PER_HOUR = int(os.environ.get("OTP_CODES_PER_ADDRESS_HARD_PER_HOUR", "1000"))
OTP_CODES_CROWDED_PER_HOUR = int(os.environ.get("OTP_CODES_CROWDED_PER_HOUR", "2000"))
OTP_CODES_PER_RANGE_PER_HOUR = int(os.environ.get("OTP_CODES_PER_RANGE_PER_HOUR", "50"))
OTP_CODES_GLOBAL_PER_HOUR = int(os.environ.get("OTP_CODES_GLOBAL_PER_HOUR", "10000"))
# Ranges billed as international or premium-rate (Abkhazia's +7 940…): data, kept up to date without code.
OTP_BLOCKED_RANGES_FILE = Path(os.environ.get("OTP_BLOCKED_RANGES_FILE", REPO_DIR / "data" / "sms_blocked_ranges.json"))
# Days after a season's publication that the votes' detection signals and findings are kept
# (`manage.py integrity_purge`, docs/integrity.md).
INTEGRITY_SIGNALS_RETENTION_DAYS = int(os.environ.get("INTEGRITY_SIGNALS_RETENTION_DAYS", "90"))

# --- Telegram -------------------------------------------------------------------------------------------
TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_API_BASE = os.environ.get("TELEGRAM_API_BASE", "https://api.telegram.org")
TELEGRAM_WEBHOOK_SECRET = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "")
# Interactive replies answered 429 are sent again after Telegram's retry_after, within this many seconds in all.
TELEGRAM_RETRY_MAX_WAIT = float(os.environ.get("TELEGRAM_RETRY_MAX_WAIT", "20"))
# The bot's @username for the site's links and QR codes; unset, it is asked from the Bot API (getMe) and cached.
TELEGRAM_BOT_USERNAME = os.environ.get("TELEGRAM_BOT_USERNAME", "")

# --- Security -------------------------------------------------------------------------------------------
# A site whose SITE_URL is https is production: secure cookies, HTTPS only (a redirect, and HSTS for a year,
# subdomains and the preload list included), unless a variable says otherwise. docs/deployment.md lists the
# configuration that passes `manage.py check --deploy` with no warning (a test runs it).
HTTPS_SITE = not DEBUG and SITE_URL.startswith("https://")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS_SITE)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS_SITE)
# The Telegram webhook and health checks come over the proxy's HTTPS too; nothing is exempt.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or (31_536_000 if HTTPS_SITE else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS_SITE)
# Preloading is hard to undo (browsers ship the list): turn it off with SECURE_HSTS_PRELOAD=0 on a domain
# whose subdomains are not all on HTTPS.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS_SITE)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): everything from our own origin, nothing inline — the templates have no
# inline script, style attribute or event handler (tests/core/test_security_headers.py keeps it so). Photos
# are same-origin (MEDIA_URL); `data:` only for images (the CSS's small SVG icons, if any).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Client addresses for rate limits come from X-Forwarded-For only behind a trusted proxy.
TRUST_X_FORWARDED_FOR = env_bool("BEHIND_PROXY")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
