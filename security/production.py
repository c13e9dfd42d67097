"""The production settings guard: refuse to start with an unsafe configuration.

Pure: takes the values, returns or raises. `config/settings/production.py` calls `assert_production_safe`
at import, so `manage.py`, gunicorn and the worker all refuse alike.
"""

from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARS = 5
WEAK_SECRET_PREFIXES = ("django-insecure", "dev-insecure", "changeme", "change-me")


def secret_key_problem(secret_key: str) -> str | None:
    """Why a SECRET_KEY is unfit for production (Django's W009 rule plus known dev values), or None."""
    if not secret_key:
        return "DJANGO_SECRET is missing"
    if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < MIN_SECRET_KEY_UNIQUE_CHARS:
        return f"DJANGO_SECRET is weak (needs ≥ {MIN_SECRET_KEY_LENGTH} characters, ≥ 5 distinct)"
    if secret_key.lower().startswith(WEAK_SECRET_PREFIXES):
        return "DJANGO_SECRET is a development value"
    return None


def production_problems(
    *,
    debug: bool,
    secret_key: str,
    allowed_hosts: list[str],
    mock_testing_enabled: bool,
    whatsapp_app_secret: str,
    whatsapp_verify_token: str,
    whatsapp_access_token: str,
    whatsapp_phone_number_id: str,
    redis_cache_url: str,
    redis_state_url: str,
    client_api_key: str = "",
    notify_api_key: str = "",
    operator_jwt_signing_key: str = "",
) -> list[str]:
    """Every reason the given production configuration is unsafe (empty when it is fine)."""
    problems = []
    if debug:
        problems.append("DEBUG must be off")
    if (key_problem := secret_key_problem(secret_key)) is not None:
        problems.append(key_problem)
    if not allowed_hosts or "*" in allowed_hosts:
        problems.append("ALLOWED_HOSTS must list the real host names (no '*')")
    if mock_testing_enabled:
        problems.append("MOCK_TESTING_ENABLED must be off")
    required = {
        "WHATSAPP_APP_SECRET": whatsapp_app_secret,
        "WHATSAPP_VERIFY_TOKEN": whatsapp_verify_token,
        "WHATSAPP_ACCESS_TOKEN": whatsapp_access_token,
        "WHATSAPP_PHONE_NUMBER_ID": whatsapp_phone_number_id,
        "REDIS_CACHE_URL": redis_cache_url,
        "REDIS_STATE_URL": redis_state_url,
        "CLIENT_API_KEY": client_api_key,
        "NOTIFY_API_KEY": notify_api_key,
        "OPERATOR_JWT_SIGNING_KEY": operator_jwt_signing_key,
    }
    problems.extend(f"{name} is missing" for name, value in required.items() if not value)
    if redis_cache_url and redis_cache_url == redis_state_url:
        problems.append("REDIS_CACHE_URL and REDIS_STATE_URL must be different instances")
    return problems


def assert_production_safe(**values) -> None:
    """Raise ImproperlyConfigured listing every problem; return quietly when the configuration is safe."""
    problems = production_problems(**values)
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems) + ".")
