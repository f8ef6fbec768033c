"""Settings, read from the environment (see README "Configuration").

Every value a deployment may change comes through the typed helpers in
config.env, which refuse a value they cannot read instead of guessing.
"""

import datetime
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)

# A development key exists only so that `make run` works out of the box; with
# DEBUG off the deployment must bring its own.
_DEV_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else None)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set to a secret value when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "rules",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    # The apps, each standing only on those above it in this list (tests/test_layers.py).
    "audit",
    "core",
    "registry",
    "inspections",
    "rectification",
    "circulars",
    "access",
    "workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.RequestContext",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.BusyDatabase",
    "registry.identity.SessionRules",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: answers a locked-out login with registry.identity.locked_out.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "access.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite file under var/ when DATABASE_URL is unset; PostgreSQL in production.
_database_url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=env_int("CONN_MAX_AGE", 60))
except Exception as exc:  # dj_database_url raises several kinds for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL could not be read: {exc}") from exc
if _database["ENGINE"] not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    raise ImproperlyConfigured(
        f"DATABASE_URL must point at SQLite or PostgreSQL, not {_database['ENGINE']}."
    )
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["CONN_MAX_AGE"] = 0
    # Wait for a writer instead of failing at once with "database is locked": each transaction
    # takes the write lock when it begins (IMMEDIATE), so two writers queue instead of one
    # failing when its read turns into a write; one that waits out the timeout gets a page
    # asking to try again (core.middleware.BusyDatabase).
    _database["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
elif not env_bool("POSTGRES_JIT", False):
    # PostgreSQL's JIT compiles every query whose estimated cost is high, and for this
    # application's (exports, the ledger import's lookups) compiling took longer than running
    # them: 0.3–1 s a query (bench/README.md). Sent as a start-up option; a pooler in front
    # (pgbouncer) must accept it, or set jit=off on the server and POSTGRES_JIT=1 here.
    _database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users --------------------------------------------------------------------
AUTH_USER_MODEL = "registry.User"
# Passwords sign people in; every permission is the policy's (access.policy, through django-rules).
# django-axes' backend first: it refuses a locked-out account or address before the password is tried.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "registry.auth.PasswordBackend",
    "rules.permissions.ObjectPermissionBackend",
]
# History is read, never replayed: a revert would write back fields the reader may not change.
SIMPLE_HISTORY_REVERT_DISABLED = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "registry.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3},
    },
    {"NAME": "registry.passwords.NotTheUsernameValidator"},
]
# A password chosen by its holder lasts this many days; then the next request asks for a new one.
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)

# Lockout after failed logins (django-axes, registry.identity): per account and, separately, per
# address; lifted after the minutes below, or earlier by the security administrator.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "registry.identity.locked_out"
AXES_CLIENT_IP_CALLABLE = "audit.log.client_address"
AXES_ENABLE_ADMIN = False  # lockouts are a page of ours (registry.account_views), under the policy
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False  # failures are in the security log already (audit)
AXES_DISABLE_ACCESS_LOG = True

# Two-factor sign-in (django-otp, registry.two_factor): required for the roles whose RoleSpec says
# two_factor (the office and the three administrators), optional for the others. The issuer is
# the name the authenticator app shows beside the code.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "作风督查")
TWO_FACTOR_RECOVERY_CODES = 10

# Sessions: ended after this long without a request, this long after signing in, and when the
# browser closes (registry.identity.SessionRules).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 8)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Language and time --------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env_path("STATIC_ROOT", VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence is never served as public media: views check scope first.
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
EVIDENCE_ROOT = env_path("EVIDENCE_ROOT", VAR_DIR / "evidence")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Finished background exports, kept for their requester for EXPORT_KEEP_HOURS.
    "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "exports", "base_url": "/not-served/"},
    },
    # Evidence and proof files: outside MEDIA_ROOT, with no URL of their own.
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": EVIDENCE_ROOT, "base_url": "/not-served/"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -----------------------------------------------------------------
# Secure by default when DEBUG is off. An intranet that terminates TLS at a
# proxy sets SECURE_PROXY_SSL_HEADER_ENABLED=1; one without TLS must opt out
# explicitly with SECURE_SSL_REDIRECT=0 (and `check --deploy` will say so).
_secure = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _secure)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _secure)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _secure)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _secure)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# The preload list is for public internet hosts; government intranet names are
# not submitted to it, so `check --deploy` need not ask for it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything the pages load comes from this server's static/ (no CDN, no inline script or style,
# no eval): text that slipped past the templates' escaping still could not run. The same in
# development, so a page that breaks the rule breaks before it ships
# (tests/browser/test_content_security.py visits every page and reads the browser's reports).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
    },
}

# --- Mail ---------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes tells of every reset at INFO; lockouts are in the security log (audit) anyway.
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Security audit log (audit.models) -----------------------------------------
# Days security events are kept; manage.py purge_audit removes older ones (never under 180).
AUDIT_KEEP_DAYS = env_int("AUDIT_KEEP_DAYS", 180)
# Reverse proxies whose X-Forwarded-For is believed for the client's address (log, lockout).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# Product settings --------------------------------------------------------------
PAGE_SIZE = env_int("PAGE_SIZE", 50)

# Working-day deadlines: whether the day an item is assigned counts as day one
# (most rules say no; some local rules count the acceptance day).
RECTIFICATION_COUNT_START_DAY = env_bool("RECTIFICATION_COUNT_START_DAY", False)
# "Due soon" (yellow) when this many working days or fewer are left.
RECTIFICATION_DUE_SOON_DAYS = env_int("RECTIFICATION_DUE_SOON_DAYS", 3)
# The dashboard's fair ranking (workbench.dashboard): a hall visited fewer times than this in the
# period is 样本不足, not ranked.
RANKING_MIN_VISITS = env_int("RANKING_MIN_VISITS", 3)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# The office's own Word template for circulars (page, grid and the 公文-… styles); empty: ours
# (GB/T 9704-2012). `manage.py circular_template -o FILE.docx` writes ours to start from.
CIRCULAR_DOCX_TEMPLATE = env_str("CIRCULAR_DOCX_TEMPLATE", "")

# Background work (large exports): Django's task API with a database-backed
# queue, so nothing beyond the database needs installing. `manage.py db_worker`
# runs the tasks (`make run` starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Exports above this many rows run in the background worker (manage.py db_worker).
EXPORT_BACKGROUND_THRESHOLD = env_int("EXPORT_BACKGROUND_THRESHOLD", 5000)
# How long a background export's file is kept for its requester (hours).
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 48)
# Spreadsheet uploads: size and row limits.
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 10)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20000)

# Evidence limits (megabytes), per file and per finding.
EVIDENCE_MAX_FILE_MB = env_int("EVIDENCE_MAX_FILE_MB", 50)
EVIDENCE_MAX_FINDING_MB = env_int("EVIDENCE_MAX_FINDING_MB", 200)
EVIDENCE_MAX_FILES = env_int("EVIDENCE_MAX_FILES", 20)
# Django keeps uploads above this in a temporary file rather than in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
