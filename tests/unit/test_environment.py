"""DJANGO_ENV is a closed set (config/env.py): the three names, in any case and with blanks around, and
nothing else; the refusal names the allowed values. Startup through real processes: tests/security/
test_config_attacks.py."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import ENVIRONMENTS, documented_values, parse_environment


@pytest.mark.parametrize(
    ("raw", "chosen"),
    [("development", "development"), ("test", "test"), ("production", "production"),
     (" Production ", "production"), ("PRODUCTION", "production"), ("Development\n", "development")],
)  # fmt: skip
def test_the_three_environments_are_read_case_insensitively(raw, chosen):
    assert parse_environment(raw) == chosen


@pytest.mark.parametrize(
    "raw",
    ["staging", "prod", "producton", "dev", "develop", "", "  ", "production-eu", "test1", "prodüctión"],
)
def test_anything_else_refuses_naming_the_allowed_values(raw):
    with pytest.raises(ImproperlyConfigured, match="is not one of: development, test, production"):
        parse_environment(raw)


def test_the_closed_set():
    assert ENVIRONMENTS == ("development", "test", "production")


def test_documented_values_are_the_examples_of_env_example(tmp_path):
    example = tmp_path / ".env.example"
    example.write_text('# A comment = not a value\n# NAME=shown\nOTHER="quoted"\n# EMPTY=\nlower=x\n')
    assert documented_values(example) == {"shown", "quoted"}


def test_a_missing_env_example_refuses(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="missing"):
        documented_values(tmp_path / ".env.example")
