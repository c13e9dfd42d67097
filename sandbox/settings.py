"""Settings of the sandbox process (`DJANGO_SETTINGS_MODULE=sandbox.settings`), all from the environment.

Dev defaults let `python -m sandbox` work with no configuration. Nothing here is shared with the bot's
`config` package: the sandbox is a separate service with its own database. `SANDBOX_CLIENT_API_KEY`'s
default equals the bot's `CLIENT_API_KEY` dev default so the two talk out of the box.
"""

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_number(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


# --- Sandbox behaviour (read at startup; tests may change some at runtime through /devadmin/config) ------
SANDBOX_CLIENT_API_KEY = _env("SANDBOX_CLIENT_API_KEY", "dev-client-api-key")
SANDBOX_JWT_SECRET = _env("SANDBOX_JWT_SECRET", "dev-sandbox-jwt-secret-0123456789-abcdefghijklmnopqrstuv")
SANDBOX_ADMIN_KEY = _env("SANDBOX_ADMIN_KEY", "dev-admin-key")
SANDBOX_JWT_IDLE_SECONDS = _env_number("SANDBOX_JWT_IDLE_SECONDS", 300)
SANDBOX_JWT_ABSOLUTE_SECONDS = _env_number("SANDBOX_JWT_ABSOLUTE_SECONDS", 21600)
SANDBOX_RATE_LIMIT_PER_MINUTE = int(_env("SANDBOX_RATE_LIMIT_PER_MINUTE", "1000"))
SANDBOX_QUIRKS = _env("SANDBOX_QUIRKS", "off")
SANDBOX_OPEN_TIER_UNSECURED_RULE = _env("SANDBOX_OPEN_TIER_UNSECURED_RULE", "off")
# The bot's notify endpoint and key (`sandbox.ledger.notifier`); an empty URL sends no notifications.
SANDBOX_NOTIFY_URL = _env("SANDBOX_NOTIFY_URL", "")
SANDBOX_NOTIFY_KEY = _env("SANDBOX_NOTIFY_KEY", "")

# --- Django -------------------------------------------------------------------------------------------
SECRET_KEY = _env("SANDBOX_DJANGO_SECRET", "sandbox-dev-insecure-django-secret-0123456789-abcdefghijkl")
DEBUG = False
ALLOWED_HOSTS = [host for host in _env("SANDBOX_ALLOWED_HOSTS", "*").split(",") if host]
INSTALLED_APPS = ["sandbox.ledger"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"
APPEND_SLASH = False
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
DATA_UPLOAD_MAX_MEMORY_SIZE = 100 * 1024  # the real service's body-parser limit (100 kB)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_db_path = Path(_env("SANDBOX_DATABASE_PATH", str(REPO_DIR / "var" / "sandbox.sqlite3")))
if not _db_path.is_absolute():
    _db_path = REPO_DIR / _db_path
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(_db_path),
        "CONN_MAX_AGE": None,  # one connection per server thread, reused
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN: concurrent requests queue instead of racing.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s sandbox %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _env("SANDBOX_LOG_LEVEL", "WARNING")},
    # Business errors are answers, not server problems: no "Bad Request: /login" line per 4xx.
    "loggers": {"django.request": {"level": "ERROR"}},
}
