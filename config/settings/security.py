"""Security and operations settings (issue 5): admin, lockout and headers; the operator API; audit, logs
and alerts; logging. Star-imported at the end of `config.settings.base`, so production and test overrides
still apply on top; every variable is documented in `.env.example`.
"""

from datetime import timedelta

from csp.constants import NONCE, NONE, SELF

from config.env import env_bool, env_float, env_int, env_list, env_str, production_required
from config.logconfig import django_logging, log_format, log_level

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
# django-axes, shared by the admin login and the operator API's token (security/login_guard.py): 10 failures
# (a wrong password, or a wrong TOTP code after the right one) lock that username from that IP, that IP over
# any usernames, and that username from any IP, for 30 minutes; a successful login (password and TOTP)
# clears the counts. OTP tokens are masked in its stored POST data.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]
# The client IP of the lockout (and so of the login rate limit) is the audit log's: REMOTE_ADDR, or with N
# trusted proxies the N-th address from the right of X-Forwarded-For (security.client_ip). Not ipware's
# proxy count: its strict mode lets one forged extra entry switch the key to the proxy's address.
AXES_CLIENT_IP_CALLABLE = "security.client_ip.client_ip"
# Login attempts per minute, per client IP and per username, counted together over the admin login and the
# operator API's token (django-ratelimit on the cache Redis, atomic; fails closed when that Redis is down).
LOGIN_RATE_PER_MINUTE = env_int("LOGIN_RATE_PER_MINUTE", 5)
if LOGIN_RATE_PER_MINUTE < 1:
    raise ValueError("LOGIN_RATE_PER_MINUTE must be at least 1")
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

# >>> Operator API (/api/, operator_api): DRF + simplejwt + drf-spectacular >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>

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
    "BLACKLIST_AFTER_ROTATION": True,  # made atomic by operator_api.serializers.AtomicTokenRefreshSerializer
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": OPERATOR_JWT_SIGNING_KEY,
    "AUDIENCE": OPERATOR_JWT_AUDIENCE,
    "ISSUER": OPERATOR_JWT_ISSUER,
    "CHECK_REVOKE_TOKEN": True,  # a password change ends the tokens issued before it
    "CHECK_USER_IS_ACTIVE": True,
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["operator_api.auth.OperatorJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["operator_api.auth.IsStaff"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "operator_api.auth.OperatorAnonThrottle",
        "operator_api.auth.OperatorUserThrottle",
    ],
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
    "SERVE_PERMISSIONS": ["operator_api.auth.IsStaff"],
    "SERVE_AUTHENTICATION": ["operator_api.auth.OperatorJWTAuthentication"],
    "PREPROCESSING_HOOKS": ["operator_api.views.operator_endpoints_only"],
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

# --- Logging ---------------------------------------------------------------------------------------------
LOG_LEVEL = log_level()
# json: one JSON object per line (production default); plain: one human line (development and tests).
LOG_FORMAT = log_format()
# Every handler has the "redact" filter (security/logfilter.py): phones masked, secrets and message text
# removed, control characters escaped, the delivery's correlation id added. Gunicorn's own lines go through
# the same formatters and filter (config/logconfig.py, deploy/gunicorn_logging.py).
LOGGING = django_logging(LOG_FORMAT, LOG_LEVEL)
