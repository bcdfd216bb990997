"""OpenTRM settings, read from the environment.

``OPENTRM_ENV=production`` turns on the strict mode: secrets must be given, cookies are secure,
and ``opentrm check --deploy`` passes. Anything else is a development or demo node.
"""

import secrets
from pathlib import Path

import dj_database_url

from opentrm.accounts.roles import DEFAULT_API_TOKEN_ROLES
from opentrm.config.env import env, env_bool, env_int, env_list, env_required

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = env("OPENTRM_ENV", "development") == "production"
OPENTRM_HOME = Path(env("OPENTRM_HOME") or Path.cwd() / "var").resolve()
OPENTRM_HOME.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("OPENTRM_DEBUG", default=False) and not PRODUCTION


def _development_secret_key() -> str:
    """A per-checkout key kept in OPENTRM_HOME, so development sessions survive restarts."""
    key_file = OPENTRM_HOME / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = (
    env_required("SECRET_KEY") if PRODUCTION else (env("SECRET_KEY") or _development_secret_key())
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "opentrm.core",
    "opentrm.audit",
    "opentrm.directory",
    "opentrm.accounts",
    "opentrm.cases",
    "opentrm.matching",
    "opentrm.agreements",
    "opentrm.referrals",
    "opentrm.exchange",
    "opentrm.portal",
    "opentrm.training",
    "opentrm.meetings",
    "opentrm.monitoring",
    "opentrm.linkage",
    "opentrm.stats",
    "opentrm.notifications",
    "opentrm.research",
    "opentrm.dataprotection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "opentrm.core.metrics.MetricsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "opentrm.core.middleware.RequestIdMiddleware",
    "opentrm.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "opentrm.core.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "opentrm.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "opentrm.directory.pickers.ReaderCountryMiddleware",
    "opentrm.core.middleware.InputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "opentrm.config.urls"
WSGI_APPLICATION = "opentrm.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "opentrm.accounts.context_processors.actor",
                "opentrm.cases.context_processors.navigation",
                "opentrm.core.context_processors.node",
                "opentrm.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default: WAL lets readers work while one writer writes, the busy timeout makes a
# second writer wait instead of failing, and IMMEDIATE transactions take the write lock at the
# start, so a transaction never has to be upgraded (the source of "database is locked").
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{OPENTRM_HOME / 'opentrm.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A connection attempt gives up after OPENTRM_DB_CONNECT_TIMEOUT s, and keepalives with the
    # TCP user timeout notice a database host that has gone away (docs/deployment.md, "Faults").
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": env_int("OPENTRM_DB_CONNECT_TIMEOUT", 3),
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": 1000 * env_int("OPENTRM_DB_TCP_TIMEOUT", 15),
        **DATABASES["default"].get("OPTIONS", {}),
    }
# A serving process's connections (not the commands'): the server cancels a statement after
# this many seconds, a wait for a lock, and ends a session left idle inside a transaction
# (0: no limit; opentrm.core.warmup.serving_options).
OPENTRM_DB_STATEMENT_TIMEOUT = env_int("OPENTRM_DB_STATEMENT_TIMEOUT", 60)
OPENTRM_DB_LOCK_TIMEOUT = env_int("OPENTRM_DB_LOCK_TIMEOUT", 10)
OPENTRM_DB_IDLE_TIMEOUT = env_int("OPENTRM_DB_IDLE_TIMEOUT", 60)
# Parallel workers a serving process's query may start (PostgreSQL's
# max_parallel_workers_per_gather): none by default, a page's query is too small to gain.
OPENTRM_DB_PARALLEL_WORKERS = env_int("OPENTRM_DB_PARALLEL_WORKERS", 0)
# Django's cache holds only derived data and the feedback form's hourly counts. Per process by
# default; with several serving processes (docs/deployment.md, "Several processes") set
# OPENTRM_CACHE=database so they share one, in the table opentrm_cache (`opentrm serve` makes
# it; `opentrm createcachetable` otherwise).
OPENTRM_CACHE = env("OPENTRM_CACHE", "") or "local"
if OPENTRM_CACHE == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "opentrm_cache",
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and authentication --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
# Optional log-in through a national identity provider (OpenID Connect, accounts/oidc.py): only
# existing active users whose user name equals the claim OPENTRM_OIDC_USERNAME_CLAIM; no account
# is created from a claim; the second factor is still asked.
OPENTRM_OIDC_ENABLED = env_bool("OPENTRM_OIDC_ENABLED", default=False)
OPENTRM_OIDC_NAME = env("OPENTRM_OIDC_NAME", "") or "the national identity service"
OPENTRM_OIDC_USERNAME_CLAIM = env("OPENTRM_OIDC_USERNAME_CLAIM", "") or "preferred_username"
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
OIDC_CREATE_USER = False
OIDC_USE_PKCE = True
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "") or "RS256"
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", "") or "openid profile"
LOGIN_REDIRECT_URL_FAILURE = "/account/login/?oidc=failed"
if OPENTRM_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("opentrm.accounts.oidc.NationalIdentityBackend")
    OIDC_RP_CLIENT_ID = env_required("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = env_required("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_required("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env_required("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env_required("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env_required("OIDC_OP_JWKS_ENDPOINT")
PASSWORD_HASHERS = [
    "opentrm.accounts.hashers.NodeArgon2PasswordHasher",  # parameters: accounts/hashers.py
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    # A list shipped with the code (no download at run time): Django's 20,000 common passwords,
    # the zxcvbn project's 30,000 most frequent breached passwords and the published demo password.
    {"NAME": "opentrm.accounts.passwords.BreachedPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "opentrm.accounts.passwords.MadeOfUserNameValidator"},
    {"NAME": "opentrm.accounts.passwords.RepetitionValidator"},
    {
        "NAME": "opentrm.accounts.passwords.PasswordHistoryValidator",
        "OPTIONS": {"remembered": env_int("OPENTRM_PASSWORD_HISTORY", 5)},
    },
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "notifications:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Log-in throttling (opentrm/accounts/throttle.py): per user name and real client address. After
# OPENTRM_LOGIN_FAILURE_LIMIT failures from one address for one user name, each further attempt
# from there must wait a delay that doubles from OPENTRM_LOGIN_DELAY_SECONDS up to
# OPENTRM_LOGIN_LOCKOUT_MINUTES; the password is not checked during the wait. Someone elsewhere
# cannot slow an officer down.
OPENTRM_LOGIN_FAILURE_LIMIT = env_int("OPENTRM_LOGIN_FAILURE_LIMIT", 5)
OPENTRM_LOGIN_DELAY_SECONDS = env_int("OPENTRM_LOGIN_DELAY_SECONDS", 30)
OPENTRM_LOGIN_LOCKOUT_MINUTES = env_int("OPENTRM_LOGIN_LOCKOUT_MINUTES", 15)
OPENTRM_LOGIN_FORGET_HOURS = env_int("OPENTRM_LOGIN_FORGET_HOURS", 24)
# The anonymous feedback form of assisted persons (opentrm/monitoring/feedback.py) is limited
# without knowing who sends it (no address is kept, not even for a moment): at most
# OPENTRM_FEEDBACK_PER_CODE_PER_HOUR answers per organisation's code and
# OPENTRM_FEEDBACK_PER_NODE_PER_HOUR answers and as many unknown codes per node, in each hour.
# Reports show no count from 1 to OPENTRM_FEEDBACK_MIN_COUNT.
OPENTRM_FEEDBACK_PER_CODE_PER_HOUR = env_int("OPENTRM_FEEDBACK_PER_CODE_PER_HOUR", 30)
OPENTRM_FEEDBACK_PER_NODE_PER_HOUR = env_int("OPENTRM_FEEDBACK_PER_NODE_PER_HOUR", 600)
OPENTRM_FEEDBACK_MIN_COUNT = env_int("OPENTRM_FEEDBACK_MIN_COUNT", 10)
# The same delays, per client address, after wrong API tokens and after packages the exchange
# inbox rejects (a peer's good deliveries never count), with these free failures first.
OPENTRM_API_TOKEN_FAILURE_LIMIT = env_int("OPENTRM_API_TOKEN_FAILURE_LIMIT", 10)
OPENTRM_EXCHANGE_FAILURE_LIMIT = env_int("OPENTRM_EXCHANGE_FAILURE_LIMIT", 20)
# The reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed. Only a
# request that arrives from one of them has its client address read from that header (the
# right-most address that is not itself a trusted proxy); for any other request the header is
# ignored. Empty: X-Forwarded-For is never read.
OPENTRM_TRUSTED_PROXIES = env_list("OPENTRM_TRUSTED_PROXIES")

# Two-factor authentication (docs/security-authentication.md): every member whose role can open
# personal data (case work, the audit trail, members, the node's exchange) must pass a second
# factor (an authenticator app's TOTP code, or a one-time recovery code) before any page. On by
# default in production; a development or demo node turns it on with OPENTRM_MFA_REQUIRED=1.
OPENTRM_MFA_REQUIRED = env_bool("OPENTRM_MFA_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = env("OPENTRM_MFA_ISSUER", "OpenTRM") or "OpenTRM"  # shown in the app
OPENTRM_MFA_RECOVERY_CODES = 10
# django-otp's own throttling of wrong codes: each failure doubles the wait (1 s, 2 s, 4 s...).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Prometheus figures at /metrics for whoever sends "Authorization: Bearer <this>"; empty: off.
OPENTRM_METRICS_TOKEN = env("OPENTRM_METRICS_TOKEN") or ""

# Sessions end after a period of inactivity. The session is written when it changes, or when
# it was last written more than SESSION_RENEW_SECONDS ago (core.middleware.
# SessionRenewalMiddleware), not on every request: the idle time-out ends a session between
# SESSION_COOKIE_AGE - SESSION_RENEW_SECONDS and SESSION_COOKIE_AGE after the last request.
SESSION_COOKIE_AGE = env_int("OPENTRM_SESSION_IDLE_MINUTES", 30) * 60
SESSION_RENEW_SECONDS = env_int("OPENTRM_SESSION_RENEW_SECONDS", SESSION_COOKIE_AGE // 10)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

API_TOKEN_DEFAULT_DAYS = env_int("OPENTRM_API_TOKEN_DAYS", 90)
# The roles offered personal API tokens (accounts/roles.py DEFAULT_API_TOKEN_ROLES); an unknown
# code stops the start-up (accounts/checks.py).
API_TOKEN_ROLES = env_list(
    "OPENTRM_API_TOKEN_ROLES", ",".join(role.value for role in DEFAULT_API_TOKEN_ROLES)
)

# --- Directory ------------------------------------------------------------------------------
DIRECTORY_REVIEW_AGE_DAYS = env_int("OPENTRM_DIRECTORY_REVIEW_AGE_DAYS", 183)
DIRECTORY_IMPORT_MAX_BYTES = env_int("OPENTRM_DIRECTORY_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# The largest request body (not counting uploaded files), answered 413 beyond it (core.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("sq", "Shqip"),
    ("ro", "Română"),
    ("sr", "Српски"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# English dates day-first ("4 Dec 2026", 04/12/2026), never Django's US default (issue 12 §5).
FORMAT_MODULE_PATH = ["opentrm.core.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "UTC") or "UTC"

# --- Static files: vendored and served by WhiteNoise, never from a CDN -------------------------
STATIC_URL = "/static/"
STATIC_ROOT = OPENTRM_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing directory
# opentrm/static is not inside an app, so the finders are told where it is.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    # Every stored file is encrypted at rest, keys outside the database (issue 17 §4).
    "default": {"BACKEND": "opentrm.dataprotection.storage.EncryptedFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = OPENTRM_HOME / "files"  # outside the web root; served only through checked views
# The largest attachment a case accepts (issue 3 §12); bigger uploads are refused on the form.
OPENTRM_DOCUMENT_MAX_BYTES = env_int("OPENTRM_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)

# --- Security headers -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("OPENTRM_SSL_REDIRECT", default=True)
    # A load balancer probes the health check over plain HTTP: a redirect would fail it.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("OPENTRM_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("OPENTRM_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading commits the whole domain to HTTPS in browsers for good: the domain
        # owner's choice (OPENTRM_HSTS_PRELOAD), not a defect of the node's configuration.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "opentrm@localhost")

# --- Logging: ids only, never personal data ---------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "opentrm.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "()": "opentrm.core.logging.NoValuesFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "opentrm.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # "json" under `opentrm serve` (one object a line for a log collector)
            "formatter": env("OPENTRM_LOG_FORMAT") or "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("OPENTRM_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs the full request on errors; our 500 handler logs ids only.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Cases: deadlines and reminders -----------------------------------------------------------
# The task that warns of the end of a reflection period falls due this many days before it.
OPENTRM_REFLECTION_REMINDER_DAYS = env_int("OPENTRM_REFLECTION_REMINDER_DAYS", 5)
OPENTRM_FEEDBACK_DAYS = env_int("OPENTRM_FEEDBACK_DAYS", 30)
# send_reminders e-mails the tasks due within this many days (and the overdue ones).
OPENTRM_TASK_REMINDER_DAYS = env_int("OPENTRM_TASK_REMINDER_DAYS", 3)
# The node's public address, for links in e-mails sent by commands (no request to ask).
OPENTRM_BASE_URL = (env("OPENTRM_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
# send_meeting_reminders e-mails the parties of an agreement this many days before a meeting.
OPENTRM_MEETING_REMINDER_DAYS = env_int("OPENTRM_MEETING_REMINDER_DAYS", 7)


# --- Audit trail (docs/audit.md) -------------------------------------------------------------
# Signed checkpoints of the audit chain head, written by `opentrm audit_checkpoint`: outside the
# database, so a rewrite of the audit table cannot rewrite them too. Copy them off the machine.
OPENTRM_AUDIT_CHECKPOINT_DIR = Path(
    env("OPENTRM_AUDIT_CHECKPOINT_DIR") or OPENTRM_HOME / "audit-checkpoints"
).resolve()


# --- Node-to-node exchange (issue 5; docs/exchange.md) ---------------------------------------
# This node's identity towards its peers; OPENTRM_BASE_URL above is its public address.
OPENTRM_NODE_ID = env("OPENTRM_NODE_ID", "opentrm-node") or "opentrm-node"
OPENTRM_NODE_COUNTRY = (env("OPENTRM_NODE_COUNTRY", "") or "").upper()
# Private keys (JWK files) live here, outside the database: directory 0700, files 0600.
OPENTRM_KEY_DIR = Path(env("OPENTRM_KEY_DIR") or OPENTRM_HOME / "keys").resolve()
# The key that seals `opentrm backup` archives (issue 17 §7). Keep a copy OFF the machine and
# away from the archives: an archive without its key is noise, a key beside it protects nothing.
# The key ring that wraps the data keys of stored files (`opentrm rotate_data_keys`). Back it up
# with the other keys: without it no document can be read.
OPENTRM_DATA_KEYS_FILE = Path(
    env("OPENTRM_DATA_KEYS_FILE") or OPENTRM_KEY_DIR / "data-keys.json"
).resolve()
OPENTRM_BACKUP_KEY_FILE = Path(
    env("OPENTRM_BACKUP_KEY_FILE") or OPENTRM_KEY_DIR / "backup.key"
).resolve()
OPENTRM_EXCHANGE_MAX_BYTES = env_int("OPENTRM_EXCHANGE_MAX_BYTES", 5 * 1024 * 1024)
OPENTRM_EXCHANGE_MAX_AGE_SECONDS = env_int("OPENTRM_EXCHANGE_MAX_AGE_SECONDS", 600)
OPENTRM_EXCHANGE_CLOCK_SKEW_SECONDS = env_int("OPENTRM_EXCHANGE_CLOCK_SKEW_SECONDS", 300)
OPENTRM_EXCHANGE_KEY_OVERLAP_DAYS = env_int("OPENTRM_EXCHANGE_KEY_OVERLAP_DAYS", 30)
# Case documents that travel inside a referral's package (issue 13 §6): the largest one, and
# all of one package together (base64 in a JWS in a JWE grows about 2.4 times).
OPENTRM_EXCHANGE_ATTACHMENT_MAX_BYTES = env_int(
    "OPENTRM_EXCHANGE_ATTACHMENT_MAX_BYTES", 1024 * 1024
)
OPENTRM_EXCHANGE_ATTACHMENTS_MAX_BYTES = env_int(
    "OPENTRM_EXCHANGE_ATTACHMENTS_MAX_BYTES", 2 * 1024 * 1024 - 256 * 1024
)
# Delivery by `opentrm exchange_worker`: exponential backoff with jitter between attempts.
OPENTRM_EXCHANGE_RETRY_BASE_SECONDS = env_int("OPENTRM_EXCHANGE_RETRY_BASE_SECONDS", 30)
OPENTRM_EXCHANGE_RETRY_CAP_SECONDS = env_int("OPENTRM_EXCHANGE_RETRY_CAP_SECONDS", 3600)
OPENTRM_EXCHANGE_MAX_ATTEMPTS = env_int("OPENTRM_EXCHANGE_MAX_ATTEMPTS", 12)
OPENTRM_EXCHANGE_TIMEOUT_SECONDS = env_int("OPENTRM_EXCHANGE_TIMEOUT_SECONDS", 30)
OPENTRM_EXCHANGE_LEASE_SECONDS = env_int("OPENTRM_EXCHANGE_LEASE_SECONDS", 300)
OPENTRM_EXCHANGE_WORKER_THREADS = env_int("OPENTRM_EXCHANGE_WORKER_THREADS", 4)
# A received step waits at most this long for the earlier step of the same referral.
OPENTRM_EXCHANGE_ORDER_WAIT_SECONDS = env_int("OPENTRM_EXCHANGE_ORDER_WAIT_SECONDS", 86400)

NINJA_PAGINATION_PER_PAGE = 50
OPENTRM_NODE_NAME = env("OPENTRM_NODE_NAME", "OpenTRM") or "OpenTRM"
# Years each data category is kept after a case is closed (issue 17 §5; `opentrm apply_retention`):
# "default=5,health=2,proceedings=10"; a category not named keeps the default.
OPENTRM_RETENTION_YEARS = env("OPENTRM_RETENTION_YEARS", "") or ""
# The home page shows what falls due within this many days (issue 12).
OPENTRM_HOME_HORIZON_DAYS = env_int("OPENTRM_HOME_HORIZON_DAYS", 7)

# Statistical disclosure control (issue 15, docs/statistics.md): counts from 1 to the threshold
# are suppressed in every dashboard, export and API answer (zero is shown); a rounding base
# above 1 also rounds every figure shown to a multiple of it.
OPENTRM_STATS_THRESHOLD = env_int("OPENTRM_STATS_THRESHOLD", 10)
OPENTRM_STATS_ROUNDING = env_int("OPENTRM_STATS_ROUNDING", 0)
CSRF_FAILURE_VIEW = "opentrm.core.views.csrf_failure"

# --- Break-the-glass and access review (issue 17 §2-§3, docs/security-authentication.md) ------
# How long a case opened in an emergency stays open to the user who opened it.
OPENTRM_EMERGENCY_ACCESS_MINUTES = env_int("OPENTRM_EMERGENCY_ACCESS_MINUTES", 240)
# The shortest reason accepted (a sentence, not "x").
OPENTRM_EMERGENCY_REASON_MIN_LENGTH = 20
# detect_unusual_access (run from cron, e.g. hourly) flags for the data-protection officer:
# one user opening more than ..._CASES distinct case files within ..._WINDOW_MINUTES; any case
# file opened outside working hours (..._WORKING_HOURS "start-end" in TIME_ZONE, on
# ..._WORKING_DAYS, ISO weekdays "1-5": Monday to Friday); more than ..._EXPORTS exports or
# prints by one user within the window.
OPENTRM_ALERT_WINDOW_MINUTES = env_int("OPENTRM_ALERT_WINDOW_MINUTES", 60)
OPENTRM_ALERT_CASES = env_int("OPENTRM_ALERT_CASES", 20)
OPENTRM_ALERT_EXPORTS = env_int("OPENTRM_ALERT_EXPORTS", 10)
OPENTRM_ALERT_WORKING_HOURS = env("OPENTRM_ALERT_WORKING_HOURS", "7-20") or "7-20"
OPENTRM_ALERT_WORKING_DAYS = env("OPENTRM_ALERT_WORKING_DAYS", "1-5") or "1-5"
