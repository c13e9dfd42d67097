"""The production settings guard: refuse to start with an unsafe configuration.

Pure: takes the values (by environment variable name: `guarded_values` picks them out of a settings
namespace) and the public values (`config.env.public_values()`: every default in code and every example in
.env.example), returns or raises. `config/settings/production.py` calls `assert_production_safe` at import,
so `manage.py`, Gunicorn and the worker all refuse alike. `defaults_in_effect` names, outside production,
what the guard would refuse there; `security.loopback` keeps such an instance on loopback.

Secrets: set, not a public value, and at least 32 characters. Meta's app secret is 32 hexadecimal
characters; every secret we choose (verify token, notify key, operator JWT key) is generated with
`secrets.token_urlsafe(32)` or longer; the ledger compares the client key by exact equality, whatever its
length, so a shorter one is rotated on both sides. ALLOWED_HOSTS: real host names, none covering a public
suffix (the Public Suffix List bundled with `publicsuffixlist`, read offline).
"""

from collections.abc import Collection, Mapping
from functools import cache
from ipaddress import ip_address
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from publicsuffixlist import PublicSuffixList

MIN_SECRET_LENGTH = 32
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARS = 5
WEAK_SECRET_PREFIXES = ("django-insecure", "dev-insecure", "changeme", "change-me")
# Secrets production requires, and those it checks only when set (alert channels, a rotation's old secret).
REQUIRED_SECRETS = (
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_ACCESS_TOKEN",
    "CLIENT_API_KEY",
    "NOTIFY_API_KEY",
    "OPERATOR_JWT_SIGNING_KEY",
)
OPTIONAL_SECRETS = (
    "WHATSAPP_APP_SECRET_PREVIOUS",
    "ALERT_WEBHOOK_SECRET",
    "ALERT_TELEGRAM_BOT_TOKEN",
    "METRICS_TOKEN",
)
REQUIRED_VALUES = ("WHATSAPP_PHONE_NUMBER_ID", "REDIS_CACHE_URL", "REDIS_STATE_URL")
FLAGS = ("DEBUG", "MOCK_TESTING_ENABLED")
# Environment variable → the setting holding it, where the two names differ.
SETTING_NAMES = {"DJANGO_SECRET": "SECRET_KEY"}
GUARDED = ("DJANGO_SECRET", "ALLOWED_HOSTS", *FLAGS, *REQUIRED_SECRETS, *OPTIONAL_SECRETS, *REQUIRED_VALUES)


def guarded_values(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The guarded values of a settings namespace, by environment variable name (absent ones empty)."""
    return {name: namespace.get(SETTING_NAMES.get(name, name), "") for name in GUARDED}


def secret_problem(name: str, value: str, public: Collection[str]) -> str | None:
    """Why `value` is unfit as the production secret `name` (never quoting it), or None."""
    if not value:
        return f"{name} is missing"
    if value in public:
        return f"{name} is a documented default (public: .env.example or the code)"
    if len(value) < MIN_SECRET_LENGTH:
        return f"{name} is shorter than {MIN_SECRET_LENGTH} characters"
    return None


def secret_key_problem(secret_key: str, public: Collection[str] = ()) -> str | None:
    """Why a SECRET_KEY is unfit for production (Django's W009 rule plus known dev values), or None."""
    if not secret_key:
        return "DJANGO_SECRET is missing"
    if secret_key in public:
        return "DJANGO_SECRET is a documented default (public: .env.example or the code)"
    if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < MIN_SECRET_KEY_UNIQUE_CHARS:
        return f"DJANGO_SECRET is weak (needs ≥ {MIN_SECRET_KEY_LENGTH} characters, ≥ 5 distinct)"
    if secret_key.lower().startswith(WEAK_SECRET_PREFIXES):
        return "DJANGO_SECRET is a development value"
    return None


@cache
def _public_suffixes() -> PublicSuffixList:
    # The list bundled with the package (nothing is downloaded); a name the list does not know is not public.
    return PublicSuffixList(accept_unknown=False)


def host_problem(pattern: str) -> str | None:
    """Why an ALLOWED_HOSTS entry is unfit for production (it matches hosts not ours), or None."""
    name = pattern.strip().lower().rstrip(".")
    if name == "*" or not name.lstrip("."):
        return f"ALLOWED_HOSTS entry {pattern!r} matches every host"
    domain = name.lstrip(".")
    try:
        ip_address(domain.strip("[]"))
        return None  # an address matches itself only
    except ValueError:
        pass
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return f"ALLOWED_HOSTS entry {pattern!r} is not a host name"
    if _public_suffixes().is_public(domain):
        return f"ALLOWED_HOSTS entry {pattern!r} covers a public suffix (list our own host names)"
    return None


def production_problems(values: Mapping[str, Any], public: Collection[str]) -> list[str]:
    """Every reason the given production configuration is unsafe (empty when it is fine)."""
    problems = [f"{flag} must be off" for flag in FLAGS if values.get(flag)]
    if (key_problem := secret_key_problem(values.get("DJANGO_SECRET", ""), public)) is not None:
        problems.append(key_problem)
    hosts = values.get("ALLOWED_HOSTS") or []
    if not hosts:
        problems.append("ALLOWED_HOSTS must list the real host names")
    problems.extend(problem for host in hosts if (problem := host_problem(host)) is not None)
    for name in REQUIRED_SECRETS + tuple(name for name in OPTIONAL_SECRETS if values.get(name)):
        if (problem := secret_problem(name, values.get(name, ""), public)) is not None:
            problems.append(problem)
    problems.extend(f"{name} is missing" for name in REQUIRED_VALUES if not values.get(name))
    operator_key = values.get("OPERATOR_JWT_SIGNING_KEY")
    if operator_key and operator_key == values.get("DJANGO_SECRET"):
        problems.append("OPERATOR_JWT_SIGNING_KEY must differ from DJANGO_SECRET")
    cache_url = values.get("REDIS_CACHE_URL")
    if cache_url and cache_url == values.get("REDIS_STATE_URL"):
        problems.append("REDIS_CACHE_URL and REDIS_STATE_URL must be different instances")
    return problems


def defaults_in_effect(values: Mapping[str, Any], public: Collection[str]) -> list[str]:
    """Names (never values) of what production would refuse here: DEBUG or mock testing on, and each set
    secret that is public or short. An unset secret only switches its feature off, so it is not listed."""
    named = [flag for flag in FLAGS if values.get(flag)]
    key = values.get("DJANGO_SECRET", "")
    if key and secret_key_problem(key, public) is not None:
        named.append("DJANGO_SECRET")
    for name in REQUIRED_SECRETS + OPTIONAL_SECRETS:
        value = values.get(name, "")
        if value and secret_problem(name, value, public) is not None:
            named.append(name)
    return named


def assert_production_safe(values: Mapping[str, Any], public: Collection[str]) -> None:
    """Raise ImproperlyConfigured listing every problem; return quietly when the configuration is safe."""
    problems = production_problems(values, public)
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems) + ".")
