"""Test overrides (`DJANGO_ENV=test`): fixed test secrets, fast hashing, Redis URLs from the test harness.

`tests/conftest.py` starts throwaway Redis servers on free ports and exports their URLs before Django loads.
"""

from config.env import env_float, env_str

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHATSAPP_APP_SECRET = env_str("WHATSAPP_APP_SECRET", "test-app-secret")
WHATSAPP_APP_SECRET_PREVIOUS = env_str("WHATSAPP_APP_SECRET_PREVIOUS", "test-previous-app-secret")
WHATSAPP_VERIFY_TOKEN = env_str("WHATSAPP_VERIFY_TOKEN", "test-verify-token")
WHATSAPP_ACCESS_TOKEN = env_str("WHATSAPP_ACCESS_TOKEN", "test-access-token")
WHATSAPP_API_URL = env_str("WHATSAPP_API_URL", "http://127.0.0.1:9")
WHATSAPP_BACKOFF_BASE_SECONDS = env_float("WHATSAPP_BACKOFF_BASE_SECONDS", 0.0)
MOCK_TESTING_ENABLED = True
PROCESSING_MODE = "inline"

from config.settings.base import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "config.sqlite3":
    # A file, not memory: concurrency tests use several threads, each with its own connection.
    # nosec B108 below: test settings only; the harness always sets TEST_WORKDIR to a fresh mkdtemp folder.
    DATABASES["default"]["TEST"] = {"NAME": f"{env_str('TEST_WORKDIR', '/tmp')}/test.sqlite3"}  # nosec B108
