"""Production overrides: HTTPS-only cookies and headers, then the guard that refuses unsafe configuration.

Imported by `config.settings` when `DJANGO_ENV=production`. The guard (`security.production`) raises
`ImproperlyConfigured` naming every problem at once, so a bad deploy never starts.
"""

from config.env import env_int, env_list, public_values
from config.settings import base
from security.production import assert_production_safe, guarded_values

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# Container health probes and the Prometheus scrape (bearer token, bot/metrics_view.py) speak plain HTTP on
# the private network; nothing else is exempt.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
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

# Every secret set, none public (a default in code or an example in .env.example) or under 32 characters;
# DEBUG and mock testing off; ALLOWED_HOSTS our own names, none covering a public suffix.
assert_production_safe(guarded_values(vars(base)), public_values())
