"""Base settings: development defaults that let `make run` work with no `.env` at all.

Everything comes from the environment through `config.env` (python-decouple); `.env.example` documents each
variable. Production overrides and the production guard live in `config/settings/production.py`.
"""

from decimal import Decimal

import dj_database_url

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
    # Before staticfiles, so that its `runserver` (refusing development defaults beyond loopback) wins.
    "deploy",
    "django.contrib.staticfiles",
    "rest_framework",
    # Admin hardening: TOTP (django-otp), lockout (django-axes), CSP, CORS, the login rate limiter's checks.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "corsheaders",
    "django_ratelimit",
    # Operator API: refresh-token blacklist (simplejwt) and the OpenAPI schema.
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "bot",
    "operator_api",
    "credex_api",
    "security",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # /static/ (the admin's CSS/JS): same-origin for the CSP
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before CommonMiddleware, so preflights are answered
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # right after authentication: request.user.is_verified()
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "security.headers.ResponseHeadersMiddleware",  # after the CSP one: draws its nonce; no-store on /bot/
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
    # Django's SQLite backend, but a connection that raised a database error is closed, not reused: one
    # opened while the file was read-only stays read-only (config/sqlite3/base.py). CONN_HEALTH_CHECKS
    # would not do it: SQLite's backend calls every connection usable.
    DATABASES["default"]["ENGINE"] = "config.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of failing mid-way.
        "transaction_mode": "IMMEDIATE",
        # Seconds a statement waits for another connection's write lock before "database is locked".
        "timeout": env_float("SQLITE_BUSY_TIMEOUT_SECONDS", 30.0),
        # No `PRAGMA mmap_size`: four paired `python -m bench webhook_ack --rounds 4 --database sqlite` runs
        # gave 1638/1369/1279/1540 deliveries/s with it and 1589/1227/1422/1316 without (median share of the
        # floor 61.6 % vs 62.6 %): no gain beyond noise, and a mapped page of a file that turns unwritable
        # faults with SIGBUS instead of an error (WAL's -shm index stays mapped whatever this says).
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
# A reply tried without an answer or any status webhook this long is reported to ops (bot/outbox.py).
OUTBOX_UNRESOLVED_AFTER_SECONDS = env_int("OUTBOX_UNRESOLVED_AFTER_SECONDS", 600)
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", 4 * 1024 * 1024)
# Items read from one delivery (entries, changes, contacts, messages, statuses, errors); the rest is not read.
WEBHOOK_MAX_ITEMS = env_int("WEBHOOK_MAX_ITEMS", 20_000)

# Mock testing: signed requests with `X-Mock-Testing: true` get the replies back as JSON. Never in production.
MOCK_TESTING_ENABLED = env_bool("MOCK_TESTING_ENABLED", DJANGO_ENV != "production")

# --- Processing -------------------------------------------------------------------------------------------
PROCESSING_MODE = env_str("PROCESSING_MODE", "queue" if DJANGO_ENV == "production" else "inline")
INBOX_STREAM = env_str("INBOX_STREAM", "inbox")
INBOX_CONSUMER_GROUP = env_str("INBOX_CONSUMER_GROUP", "workers")
WORKER_RECLAIM_IDLE_MS = env_int("WORKER_RECLAIM_IDLE_MS", 30_000)
WORKER_SWEEP_AFTER_SECONDS = env_int("WORKER_SWEEP_AFTER_SECONDS", 60)
WORKER_SWEEP_EVERY_SECONDS = env_int("WORKER_SWEEP_EVERY_SECONDS", 10)
MEMBER_LOCK_TTL_MS = env_int("MEMBER_LOCK_TTL_MS", 5_000)  # renewed by the holder (flows.store)
MEMBER_LOCK_WAIT_SECONDS = env_float("MEMBER_LOCK_WAIT_SECONDS", 10.0)
# Members one worker process serves at once (threads; bot.worker_pool says why threads).
WORKER_CONCURRENCY = max(1, env_int("WORKER_CONCURRENCY", 16))
# Readiness (`GET /readyz`, bot/readiness.py): a worker beat younger than this (seconds; bot/heartbeat.py),
# and at most this many stream entries waiting (not yet read, or read and not yet acknowledged).
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_float("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 30.0)
READY_MAX_STREAM_BACKLOG = env_int("READY_MAX_STREAM_BACKLOG", 1000)

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
# One deadline for all the ledger waits of one member's turn (throttle slots, Retry-After, backoff, another
# login; credex_api/deadline.py): a wait that would end later is not taken and the member reads "busy, try
# again in a minute" at once, so a turn that cannot get the ledger is answered within about this long.
MYCREDEX_TURN_WAIT_SECONDS = env_float("MYCREDEX_TURN_WAIT_SECONDS", 2.5)
# Fair shares of that one bucket (credex_api/throttle.py): money actions may fill the whole BURST, known
# members' reads MEMBER_BURST of it, numbers the ledger has not yet shown to be members GUEST_BURST
# (1 ≤ GUEST ≤ MEMBER ≤ BURST); the slots above a class's share are kept for the classes above it, which also
# go first whenever callers wait. Each number's reads also pass its own bucket (PER_NUMBER requests per
# minute, PER_NUMBER_BURST at once; 0 = no per-number cap); money actions are capped by MONEY_PER_MINUTE.
MYCREDEX_THROTTLE_MEMBER_BURST = env_int("MYCREDEX_THROTTLE_MEMBER_BURST", 7)
MYCREDEX_THROTTLE_GUEST_BURST = env_int("MYCREDEX_THROTTLE_GUEST_BURST", 3)
MYCREDEX_THROTTLE_PER_NUMBER_PER_MINUTE = env_int("MYCREDEX_THROTTLE_PER_NUMBER_PER_MINUTE", 30)
MYCREDEX_THROTTLE_PER_NUMBER_BURST = env_int("MYCREDEX_THROTTLE_PER_NUMBER_BURST", 6)
if not 1 <= MYCREDEX_THROTTLE_GUEST_BURST <= MYCREDEX_THROTTLE_MEMBER_BURST <= MYCREDEX_THROTTLE_BURST:
    raise ValueError("MYCREDEX_THROTTLE_*: need 1 <= GUEST_BURST <= MEMBER_BURST <= BURST")
# A number the ledger answered "not a member" is remembered this long (cache Redis, keyed by an HMAC of the
# number): its greetings get the welcome without a ledger call. Onboarding through the bot forgets it at
# once; a number that became a member elsewhere sees the welcome for at most this long (flows/membership.py).
MYCREDEX_NOT_MEMBER_MEMORY_SECONDS = env_int("MYCREDEX_NOT_MEMBER_MEMORY_SECONDS", 300)
# Member tokens: kept in the cache Redis for less than the ledger's 5-minute idle window; one re-login per
# member at a time (lock TTL, above one call's whole budget); the others wait up to LOGIN_WAIT seconds.
MYCREDEX_TOKEN_TTL_SECONDS = env_int("MYCREDEX_TOKEN_TTL_SECONDS", 240)
MYCREDEX_LOGIN_LOCK_SECONDS = env_float("MYCREDEX_LOGIN_LOCK_SECONDS", 30.0)
MYCREDEX_LOGIN_WAIT_SECONDS = env_float("MYCREDEX_LOGIN_WAIT_SECONDS", 30.0)
# Money instructions: a pending instruction can be confirmed for this long; an `unknown` one is judged
# `failed` by reconciliation only when the ledger shows nothing this long after it was sent.
MYCREDEX_INSTRUCTION_TTL_SECONDS = env_int("MYCREDEX_INSTRUCTION_TTL_SECONDS", 900)
MYCREDEX_RECONCILE_SETTLE_SECONDS = env_int("MYCREDEX_RECONCILE_SETTLE_SECONDS", 60)
# A worker executing an instruction holds its `sent` row this long (longer than the worst case of one call:
# a login and the replay after a 401, each up to the call budget plus a connect and a read timeout); the
# sweep judges a `sent` row only after its lease has expired.
MYCREDEX_INSTRUCTION_LEASE_SECONDS = env_float("MYCREDEX_INSTRUCTION_LEASE_SECONDS", 180.0)
# An unsettled instruction is read again after BACKOFF seconds, doubled after each check up to BACKOFF_MAX;
# after ALERT_CHECKS checks or ALERT_HOURS hours since it was sent, ops get one alert (instruction id only).
MYCREDEX_RECONCILE_BACKOFF_SECONDS = env_int("MYCREDEX_RECONCILE_BACKOFF_SECONDS", 30)
MYCREDEX_RECONCILE_BACKOFF_MAX_SECONDS = env_int("MYCREDEX_RECONCILE_BACKOFF_MAX_SECONDS", 3600)
MYCREDEX_RECONCILE_ALERT_CHECKS = env_int("MYCREDEX_RECONCILE_ALERT_CHECKS", 10)
MYCREDEX_RECONCILE_ALERT_HOURS = env_float("MYCREDEX_RECONCILE_ALERT_HOURS", 6.0)
# <<< credex_api <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<

# --- Notifications from the ledger (POST /bot/notify, bot/notify.py) --------------------------------------
# The X-Notify-Key the ledger sends (no default in production: unset, every notification is refused).
NOTIFY_API_KEY = production_required("NOTIFY_API_KEY", "dev-notify-key")
# Notifications accepted per key per minute (counted on the cache Redis); at least 1.
NOTIFY_RATE_PER_MINUTE = env_int("NOTIFY_RATE_PER_MINUTE", 120)
if NOTIFY_RATE_PER_MINUTE < 1:
    raise ValueError("NOTIFY_RATE_PER_MINUTE must be at least 1")
# Wrong keys compared per client address (security/client_ip.py) per window; beyond them the address gets 429
# until the window ends, whatever key it sends. Both at least 1.
NOTIFY_WRONG_KEYS_PER_ADDRESS = env_int("NOTIFY_WRONG_KEYS_PER_ADDRESS", 10)
NOTIFY_WRONG_KEYS_WINDOW_SECONDS = env_int("NOTIFY_WRONG_KEYS_WINDOW_SECONDS", 900)
if min(NOTIFY_WRONG_KEYS_PER_ADDRESS, NOTIFY_WRONG_KEYS_WINDOW_SECONDS) < 1:
    raise ValueError("NOTIFY_WRONG_KEYS_PER_ADDRESS and NOTIFY_WRONG_KEYS_WINDOW_SECONDS must be at least 1")


# --- Metrics (GET /metrics, bot/metrics_view.py; README "Metrics") -----------------------------------------
# The bearer token Prometheus sends. Unset: /metrics answers 404 (no endpoint at all); set, it must pass the
# production guard like any secret.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# prometheus-client's multiprocess mode: every process (Gunicorn workers, run_worker) writes its values here
# and a scrape adds them up. Empty: each process reports only its own (development, tests).
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")


# --- Static files, i18n ---------------------------------------------------------------------------------
# WhiteNoise serves /static/: STATIC_ROOT (the image's collectstatic) in production, else the apps' files,
# indexed once when the middleware is built (no autorefresh per request: restart after changing one).
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles" if DJANGO_ENV == "production" else None
WHITENOISE_USE_FINDERS = DJANGO_ENV != "production"
WHITENOISE_AUTOREFRESH = False
LANGUAGE_CODE, TIME_ZONE, USE_I18N = "en-us", "UTC", False
USE_TZ = True

# Security and operations (admin, lockout, headers, operator API, audit, logs, alerts, LOGGING).
from config.settings.security import *  # noqa: E402, F403
