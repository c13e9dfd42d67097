"""Production overrides: HTTPS-only cookies and headers, then the guard that refuses unsafe configuration.

Imported by `config.settings` when `DJANGO_ENV=production`. The guard (`security.production`) raises
`ImproperlyConfigured` naming every problem at once, so a bad deploy never starts.
"""

from config.env import env_int, env_list
from config.settings.base import (
    ALLOWED_HOSTS,
    CLIENT_API_KEY,
    DEBUG,
    MOCK_TESTING_ENABLED,
    NOTIFY_API_KEY,
    OPERATOR_JWT_SIGNING_KEY,
    REDIS_CACHE_URL,
    REDIS_STATE_URL,
    SECRET_KEY,
    WHATSAPP_ACCESS_TOKEN,
    WHATSAPP_APP_SECRET,
    WHATSAPP_PHONE_NUMBER_ID,
    WHATSAPP_VERIFY_TOKEN,
)
from security.production import assert_production_safe

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# Container health probes speak plain HTTP on the private network; nothing else is exempt.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

assert_production_safe(
    debug=DEBUG,
    secret_key=SECRET_KEY,
    allowed_hosts=ALLOWED_HOSTS,
    mock_testing_enabled=MOCK_TESTING_ENABLED,
    whatsapp_app_secret=WHATSAPP_APP_SECRET,
    whatsapp_verify_token=WHATSAPP_VERIFY_TOKEN,
    whatsapp_access_token=WHATSAPP_ACCESS_TOKEN,
    whatsapp_phone_number_id=WHATSAPP_PHONE_NUMBER_ID,
    redis_cache_url=REDIS_CACHE_URL,
    redis_state_url=REDIS_STATE_URL,
    client_api_key=CLIENT_API_KEY,
    notify_api_key=NOTIFY_API_KEY,
    operator_jwt_signing_key=OPERATOR_JWT_SIGNING_KEY,
)
