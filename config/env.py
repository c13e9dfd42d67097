"""Environment access for settings: python-decouple, with development defaults.

`DJANGO_ENV` is one of `ENVIRONMENTS`, read case-insensitively and stripped; anything else (staging, prod, a
typo, empty) stops every entry point that imports settings (manage.py, Gunicorn, the worker) with
ImproperlyConfigured, instead of falling back to the development defaults.

Every variable read here is documented in `.env.example`. `production_required` reads a value that must
come from the environment in production (no default); outside production the development default applies,
and it is recorded in `PUBLIC_DEFAULTS`. Those, with every example value `.env.example` shows
(`public_values()`), are the values the production guard refuses as secrets: written once, where they are
used or documented, never copied into a list of their own.
"""

import re
from pathlib import Path

from decouple import Csv, config
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
ENV_EXAMPLE = BASE_DIR / ".env.example"
ENVIRONMENTS = ("development", "test", "production")
# A `NAME=value` line of .env.example, commented out or not: the value is an example, so it is public.
_EXAMPLE_LINE = re.compile(r"^#?[ \t]*[A-Z][A-Z0-9_]*=(.*)$", flags=re.MULTILINE)


def parse_environment(raw: str) -> str:
    """The environment named by `raw` (case and surrounding blanks ignored), or ImproperlyConfigured."""
    chosen = raw.strip().lower()
    if chosen not in ENVIRONMENTS:
        shown = raw.strip()[:30].encode("ascii", "backslashreplace").decode()
        raise ImproperlyConfigured(
            f"DJANGO_ENV={shown!r} is not one of: {', '.join(ENVIRONMENTS)}. Refusing to start: an unknown "
            "environment would run with the public development secrets and mock testing on."
        )
    return chosen


DJANGO_ENV = parse_environment(config("DJANGO_ENV", default="development"))
IS_PRODUCTION = DJANGO_ENV == "production"
IS_DEVELOPMENT = DJANGO_ENV == "development"
# Variable name → its development default, filled by `production_required` as the settings are read.
PUBLIC_DEFAULTS: dict[str, str] = {}


def env_str(name: str, default: str = "") -> str:
    """A string setting from the environment (or `.env`)."""
    return config(name, default=default)


def env_int(name: str, default: int) -> int:
    """An integer setting from the environment."""
    return config(name, default=default, cast=int)


def env_float(name: str, default: float) -> float:
    """A float setting (timeouts only; never money)."""
    return config(name, default=default, cast=float)


def env_bool(name: str, default: bool) -> bool:
    """A boolean setting: true/false, yes/no, 1/0, on/off."""
    return config(name, default=default, cast=bool)


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list setting."""
    return [item for item in config(name, default=default, cast=Csv()) if item]


def production_required(name: str, dev_default: str) -> str:
    """A secret: empty in production unless set (the guard then refuses); a dev default elsewhere.

    The default is recorded in PUBLIC_DEFAULTS: production refuses it even when it is set explicitly.
    """
    PUBLIC_DEFAULTS[name] = dev_default
    return config(name, default="" if IS_PRODUCTION else dev_default)


def documented_values(path: Path = ENV_EXAMPLE) -> frozenset[str]:
    """Every example value `.env.example` shows (quotes removed); ImproperlyConfigured when it is missing."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(
            f"{path.name} is missing: the secrets are checked against its documented examples (ship it)"
        ) from exc
    values = (value.strip().strip("\"'") for value in _EXAMPLE_LINE.findall(text))
    return frozenset(value for value in values if value)


def public_values() -> frozenset[str]:
    """Values no deployment may use as a secret: every default in code and every example in .env.example."""
    return documented_values() | frozenset(PUBLIC_DEFAULTS.values())
