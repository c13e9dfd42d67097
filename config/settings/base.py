"""Base settings: development defaults that let `make run` work with no `.env` at all.

Everything comes from the environment through `config.env` (python-decouple); `.env.example` documents each
variable. Production overrides and the production guard live in `config/settings/production.py`.
"""

from datetime import timedelta
from decimal import Decimal

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from config.env import (
    BASE_DIR,
    DJANGO_ENV,
    IS_PRODUCTION,
    VAR_DIR,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    production_required,
)

# --- Core ------------------------------------------------------------------------------------------------
SECRET_KEY = production_required(
    "DJANGO_SECRET", "dev-insecure-secret-key-change-me-0123456789-abcdefghijklmnop"
)
DEBUG = env_bool("DEBUG", DJANGO_ENV == "development")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if IS_PRODUCTION else "127.0.0.1,localhost,[::1],testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Admin hardening: TOTP (django-otp), lockout (django-axes), CSP, CORS, the login rate limiter's checks.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "corsheaders",
    "django_ratelimit",
    "bot",
    "credex_api",
    "security",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before CommonMiddleware, so preflights are answered
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # right after authentication: request.user.is_verified()
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "security.headers.ResponseHeadersMiddleware",  # after CSPMiddleware: draws its nonce; no-store on /bot/
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its 429 page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# --- Database: SQLite by default, PostgreSQL when DATABASE_URL says so ------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'vimbiso.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of failing mid-way.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis pair: `default` → cache instance (disposable), `state` → state instance (AOF, noeviction) -----
REDIS_CACHE_URL = production_required("REDIS_CACHE_URL", "redis://127.0.0.1:6380/0")
REDIS_STATE_URL = production_required("REDIS_STATE_URL", "redis://127.0.0.1:6381/0")
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 0.5)
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "vp")


def _redis_cache(url: str) -> dict:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            # Never IGNORE_EXCEPTIONS: state and limiters must see Redis failures.
        },
    }


CACHES = {"default": _redis_cache(REDIS_CACHE_URL), "state": _redis_cache(REDIS_STATE_URL)}

# --- WhatsApp Cloud API -------------------------------------------------------------------------------------
WHATSAPP_API_URL = env_str("WHATSAPP_API_URL", "https://graph.facebook.com")
WHATSAPP_GRAPH_VERSION = env_str("WHATSAPP_GRAPH_VERSION", "v25.0")
WHATSAPP_APP_SECRET = production_required("WHATSAPP_APP_SECRET", "dev-app-secret")
WHATSAPP_APP_SECRET_PREVIOUS = env_str("WHATSAPP_APP_SECRET_PREVIOUS", "")
WHATSAPP_VERIFY_TOKEN = production_required("WHATSAPP_VERIFY_TOKEN", "dev-verify-token")
WHATSAPP_ACCESS_TOKEN = production_required("WHATSAPP_ACCESS_TOKEN", "dev-access-token")
WHATSAPP_PHONE_NUMBER_ID = production_required("WHATSAPP_PHONE_NUMBER_ID", "100000000000001")
WHATSAPP_CONNECT_TIMEOUT = env_float("WHATSAPP_CONNECT_TIMEOUT", 3.05)
WHATSAPP_READ_TIMEOUT = env_float("WHATSAPP_READ_TIMEOUT", 10.0)
WHATSAPP_SEND_MAX_ATTEMPTS = env_int("WHATSAPP_SEND_MAX_ATTEMPTS", 4)
WHATSAPP_BACKOFF_BASE_SECONDS = env_float("WHATSAPP_BACKOFF_BASE_SECONDS", 1.0)
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", 4 * 1024 * 1024)

# Mock testing: signed requests with `X-Mock-Testing: true` get the replies back as JSON. Never in production.
MOCK_TESTING_ENABLED = env_bool("MOCK_TESTING_ENABLED", DJANGO_ENV != "production")

# --- Processing -------------------------------------------------------------------------------------------
PROCESSING_MODE = env_str("PROCESSING_MODE", "queue" if DJANGO_ENV == "production" else "inline")
INBOX_STREAM = env_str("INBOX_STREAM", "inbox")
INBOX_CONSUMER_GROUP = env_str("INBOX_CONSUMER_GROUP", "workers")
WORKER_RECLAIM_IDLE_MS = env_int("WORKER_RECLAIM_IDLE_MS", 30_000)
WORKER_SWEEP_AFTER_SECONDS = env_int("WORKER_SWEEP_AFTER_SECONDS", 60)
WORKER_SWEEP_EVERY_SECONDS = env_int("WORKER_SWEEP_EVERY_SECONDS", 10)
MEMBER_LOCK_TTL_MS = env_int("MEMBER_LOCK_TTL_MS", 60_000)
MEMBER_LOCK_WAIT_SECONDS = env_float("MEMBER_LOCK_WAIT_SECONDS", 10.0)

# --- Conversation ----------------------------------------------------------------------------------------
CONVERSATION_IDLE_TTL_SECONDS = env_int("CONVERSATION_IDLE_TTL_SECONDS", 300)

# --- Money safety ------------------------------------------------------------------------------------------
# A money step triggered by an inbound message older than this (by the message's own timestamp) is refused.
MONEY_FRESHNESS_SECONDS = env_int("MONEY_FRESHNESS_SECONDS", 300)
# Lifetime of a confirmation nonce (the Confirm button of a money screen).
CONFIRMATION_TTL_SECONDS = env_int("CONFIRMATION_TTL_SECONDS", 300)
# Inbound WhatsApp messages per verified number: per minute, and per day for members / other numbers. Over a
# limit the member gets one notice, then silence for the window (never a 429 to Meta); fails open.
INBOUND_PER_MINUTE = env_int("INBOUND_PER_MINUTE", 20)
INBOUND_PER_DAY_MEMBER = env_int("INBOUND_PER_DAY_MEMBER", 1000)
INBOUND_PER_DAY_GUEST = env_int("INBOUND_PER_DAY_GUEST", 100)
# Ledger changes (offers, accepts, ...) per member per minute; fails closed when it cannot count.
MONEY_PER_MINUTE = env_int("MONEY_PER_MINUTE", 6)
# Largest amount a member may type, in any denomination (a Decimal; an invalid value stops startup).
MAX_AMOUNT = Decimal(env_str("MAX_AMOUNT", "1000000"))
if not (MAX_AMOUNT.is_finite() and MAX_AMOUNT > 0):
    raise ValueError("MAX_AMOUNT must be a positive number")

# --- MyCredex ledger ----------------------------------------------------------------------------------------
MYCREDEX_APP_URL = env_str("MYCREDEX_APP_URL", "http://127.0.0.1:8001/")
CLIENT_API_KEY = production_required("CLIENT_API_KEY", "dev-client-api-key")

# >>> credex_api: the guarded ledger client (credex_api/conf.py reads these) >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>
# Timeouts (seconds) on every call: connect, then read. Never money.
MYCREDEX_CONNECT_TIMEOUT = env_float("MYCREDEX_CONNECT_TIMEOUT", 3.05)
MYCREDEX_READ_TIMEOUT = env_float("MYCREDEX_READ_TIMEOUT", 10.0)
# Retries (reads and connect-phase failures only): attempts in all, full-jitter backoff base and cap, and the
# time budget of one call including its waits.
MYCREDEX_MAX_ATTEMPTS = env_int("MYCREDEX_MAX_ATTEMPTS", 3)
MYCREDEX_BACKOFF_BASE_SECONDS = env_float("MYCREDEX_BACKOFF_BASE_SECONDS", 0.2)
MYCREDEX_BACKOFF_CAP_SECONDS = env_float("MYCREDEX_BACKOFF_CAP_SECONDS", 2.0)
MYCREDEX_CALL_BUDGET_SECONDS = env_float("MYCREDEX_CALL_BUDGET_SECONDS", 25.0)
# Circuit breaker (shared through the cache Redis): open after N consecutive failures or M failures within
# the sliding window; open for OPEN seconds, doubled after each failed half-open trial up to MAX, plus up to
# JITTER × that period; a half-open trial holds its slot for at most TRIAL_LEASE seconds.
MYCREDEX_BREAKER_CONSECUTIVE_FAILURES = env_int("MYCREDEX_BREAKER_CONSECUTIVE_FAILURES", 5)
MYCREDEX_BREAKER_WINDOW_FAILURES = env_int("MYCREDEX_BREAKER_WINDOW_FAILURES", 20)
MYCREDEX_BREAKER_WINDOW_SECONDS = env_int("MYCREDEX_BREAKER_WINDOW_SECONDS", 3600)
MYCREDEX_BREAKER_OPEN_SECONDS = env_float("MYCREDEX_BREAKER_OPEN_SECONDS", 60.0)
MYCREDEX_BREAKER_MAX_OPEN_SECONDS = env_float("MYCREDEX_BREAKER_MAX_OPEN_SECONDS", 600.0)
MYCREDEX_BREAKER_JITTER = env_float("MYCREDEX_BREAKER_JITTER", 0.1)
MYCREDEX_BREAKER_TRIAL_LEASE_SECONDS = env_float("MYCREDEX_BREAKER_TRIAL_LEASE_SECONDS", 30.0)
# Client-side throttle in front of the ledger (it limits per IP, so all members share one bucket): requests
# per minute and burst (0 = off); a caller waits at most MAX_WAIT for a slot, and a ledger 429's Retry-After
# is honoured up to RETRY_AFTER_MAX seconds, else the caller gets CredexBusy.
MYCREDEX_THROTTLE_PER_MINUTE = env_int("MYCREDEX_THROTTLE_PER_MINUTE", 80)
MYCREDEX_THROTTLE_BURST = env_int("MYCREDEX_THROTTLE_BURST", 10)
MYCREDEX_THROTTLE_MAX_WAIT_SECONDS = env_float("MYCREDEX_THROTTLE_MAX_WAIT_SECONDS", 2.0)
MYCREDEX_RETRY_AFTER_MAX_SECONDS = env_float("MYCREDEX_RETRY_AFTER_MAX_SECONDS", 5.0)
# Member tokens: kept in the cache Redis for less than the ledger's 5-minute idle window; one re-login per
# member at a time (lock TTL, above one call's whole budget); the others wait up to LOGIN_WAIT seconds.
MYCREDEX_TOKEN_TTL_SECONDS = env_int("MYCREDEX_TOKEN_TTL_SECONDS", 240)
MYCREDEX_LOGIN_LOCK_SECONDS = env_float("MYCREDEX_LOGIN_LOCK_SECONDS", 30.0)
MYCREDEX_LOGIN_WAIT_SECONDS = env_float("MYCREDEX_LOGIN_WAIT_SECONDS", 30.0)
# Money instructions: a pending instruction can be confirmed for this long; an `unknown` one is judged
# `failed` by reconciliation only when the ledger shows nothing this long after it was sent.
MYCREDEX_INSTRUCTION_TTL_SECONDS = env_int("MYCREDEX_INSTRUCTION_TTL_SECONDS", 900)
MYCREDEX_RECONCILE_SETTLE_SECONDS = env_int("MYCREDEX_RECONCILE_SETTLE_SECONDS", 60)
# <<< credex_api <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<

# --- Notifications from the ledger (POST /bot/notify, bot/notify.py) --------------------------------------
# The X-Notify-Key the ledger sends (no default in production: unset, every notification is refused).
NOTIFY_API_KEY = production_required("NOTIFY_API_KEY", "dev-notify-key")
# Notifications accepted per key per minute (counted on the cache Redis); at least 1.
NOTIFY_RATE_PER_MINUTE = env_int("NOTIFY_RATE_PER_MINUTE", 120)
if NOTIFY_RATE_PER_MINUTE < 1:
    raise ValueError("NOTIFY_RATE_PER_MINUTE must be at least 1")

# >>> admin, lockout, headers (security/admin_site.py, security/headers.py; README "Admin and headers") >>>>>>
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For (0: none, so the
# TCP peer is the client and X-Forwarded-For is ignored). The lockout and the login limit trust that many.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ValueError("TRUSTED_PROXY_COUNT must be 0 or more")
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # still verifies (and upgrades) older hashes
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions (only the admin has them) end after this many idle seconds: every request restarts the count.
SESSION_COOKIE_AGE = env_int("ADMIN_SESSION_IDLE_SECONDS", 900)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
OTP_TOTP_ISSUER = "VimbisoPay"
# django-axes: 10 failures lock (username + IP), and any 10 from one IP lock that IP, for 30 minutes; a
# successful login (password and TOTP) clears the counts. OTP tokens are masked in its stored POST data.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]
# The client IP of the lockout (and so of the login rate limit) is the audit log's: REMOTE_ADDR, or with N
# trusted proxies the N-th address from the right of X-Forwarded-For (security.client_ip). Not ipware's
# proxy count: its strict mode lets one forged extra entry switch the key to the proxy's address.
AXES_CLIENT_IP_CALLABLE = "security.client_ip.client_ip"
# Admin login attempts per minute, per client IP and per username (django-ratelimit on the cache Redis,
# atomic; fails closed when that Redis is down).
ADMIN_LOGIN_RATE_PER_MINUTE = env_int("ADMIN_LOGIN_RATE_PER_MINUTE", 5)
if ADMIN_LOGIN_RATE_PER_MINUTE < 1:
    raise ValueError("ADMIN_LOGIN_RATE_PER_MINUTE must be at least 1")
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = False
# Content-Security-Policy (django-csp 4): strict; every response carries its own nonce (security.headers).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# CORS (django-cors-headers): only the operator API, only for these origins (comma-separated; none default).
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")
CORS_URLS_REGEX = r"^/api/.*$"
# <<< admin, lockout, headers <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<

# >>> Operator API (/api/, bot/api): DRF + simplejwt + drf-spectacular >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>
from datetime import timedelta  # noqa: E402

INSTALLED_APPS += ["rest_framework_simplejwt.token_blacklist", "drf_spectacular"]
# Key signing operator JWTs (HS256), separate from DJANGO_SECRET; ≥ 32 characters. No default in production:
# unset (or short, or equal to DJANGO_SECRET), the API answers 503 and issues no token.
OPERATOR_JWT_SIGNING_KEY = production_required(
    "OPERATOR_JWT_SIGNING_KEY", "dev-operator-jwt-key-Qm7vT2xK9pL4wZ8rN3cH6bJ1sF5dY0gE"
)
OPERATOR_JWT_AUDIENCE = env_str("OPERATOR_JWT_AUDIENCE", "vimbisopay-ops")
OPERATOR_JWT_ISSUER = env_str("OPERATOR_JWT_ISSUER", "vimbisopay")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,  # made atomic by bot.api.serializers.AtomicTokenRefreshSerializer
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": OPERATOR_JWT_SIGNING_KEY,
    "AUDIENCE": OPERATOR_JWT_AUDIENCE,
    "ISSUER": OPERATOR_JWT_ISSUER,
    "CHECK_REVOKE_TOKEN": True,  # a password change ends the tokens issued before it
    "CHECK_USER_IS_ACTIVE": True,
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["bot.api.auth.OperatorJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["bot.api.auth.IsStaff"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["bot.api.auth.OperatorAnonThrottle", "bot.api.auth.OperatorUserThrottle"],
    # Coarse quotas on the cache Redis (DRF throttles: not atomic, so not a security control).
    "DEFAULT_THROTTLE_RATES": {
        "operator_anon": env_str("OPERATOR_API_ANON_RATE", "100/day"),
        "operator_user": env_str("OPERATOR_API_USER_RATE", "1000/day"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VimbisoPay operator API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["bot.api.auth.IsStaff"],
    "SERVE_AUTHENTICATION": ["bot.api.auth.OperatorJWTAuthentication"],
    "PREPROCESSING_HOOKS": ["bot.api.views.operator_endpoints_only"],
}
# <<< Operator API <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<

# >>> Audit, logs and alerts (security/audit.py, logfilter.py, alerts.py, error_reports.py) >>>>>>>>>>>>>>>>>
# Error pages and e-mails hide our secret settings and redact the whole report.
DEFAULT_EXCEPTION_REPORTER_FILTER = "security.error_reports.ReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "security.error_reports.ExceptionReporter"
# Alert channels (each optional): a Standard Webhooks-signed POST, e-mail, Telegram; per-channel timeout.
ALERT_WEBHOOK_URL = env_str("ALERT_WEBHOOK_URL", "")
ALERT_WEBHOOK_SECRET = env_str("ALERT_WEBHOOK_SECRET", "")
ALERT_EMAIL_TO = env_list("ALERT_EMAIL_TO", "")
ALERT_TELEGRAM_BOT_TOKEN = env_str("ALERT_TELEGRAM_BOT_TOKEN", "")
ALERT_TELEGRAM_CHAT_ID = env_str("ALERT_TELEGRAM_CHAT_ID", "")
ALERT_TELEGRAM_API_URL = env_str("ALERT_TELEGRAM_API_URL", "https://api.telegram.org")
ALERT_CHANNEL_TIMEOUT_SECONDS = env_float("ALERT_CHANNEL_TIMEOUT_SECONDS", 3.0)
# The same alert key is sent once per DEDUPE window and at most MAX_PER_HOUR times an hour (cache Redis).
ALERT_DEDUPE_SECONDS = env_int("ALERT_DEDUPE_SECONDS", 300)
ALERT_MAX_PER_HOUR = env_int("ALERT_MAX_PER_HOUR", 10)
# Rejected webhook signatures within one minute that raise an alert and an audit row (0: never).
SIGNATURE_FAILURE_ALERT_PER_MINUTE = env_int("SIGNATURE_FAILURE_ALERT_PER_MINUTE", 20)
# Outgoing mail (alert e-mails): Django's SMTP settings.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "vimbisopay@localhost")
# <<< Audit, logs and alerts <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<

# --- Static files, i18n ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- Logging ---------------------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# json: one JSON object per line (production default); plain: one human line (development and tests).
LOG_FORMAT = env_str("LOG_FORMAT", "json" if IS_PRODUCTION else "plain").strip().lower()
if LOG_FORMAT not in ("json", "plain"):
    raise ValueError("LOG_FORMAT must be json or plain")
# Every handler has the "redact" filter (security/logfilter.py): phones masked, secrets and message text
# removed, control characters escaped, the delivery's correlation id added.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "security.logfilter.RedactingFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
