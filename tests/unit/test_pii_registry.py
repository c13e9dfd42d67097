"""The PII registry (`security.pii`) is complete: every text or JSON field of our models is classified.

A new CharField, TextField or JSONField in bot, credex_api or security must be added either to the
registry (then GDPR export and erasure cover it) or to `NOT_PERSONAL`, or this test fails.
"""

from django.apps import apps
from django.db import models

from security import pii

TEXTUAL = (models.CharField, models.TextField, models.JSONField)


def test_every_text_and_json_field_of_our_apps_is_classified():
    seen = set()
    for config in apps.get_app_configs():
        if config.label not in pii.OUR_APPS:
            continue
        for model in config.get_models():
            if model._meta.proxy:
                continue  # a proxy has no table of its own: its fields are its concrete model's
            for field in model._meta.concrete_fields:
                if isinstance(field, TEXTUAL):
                    seen.add(f"{config.label}.{model.__name__}.{field.name}")
    unclassified = seen - pii.qualified_names() - pii.NOT_PERSONAL
    assert sorted(unclassified) == []
    assert seen >= {"bot.InboxMessage.event", "credex_api.Instruction.params"}  # the scan sees our models


def test_registry_entries_name_real_fields_of_a_known_kind():
    for entry in pii.REGISTRY:
        field = apps.get_model(entry.model)._meta.get_field(entry.field)
        assert entry.kind in pii.KINDS
        assert isinstance(field, models.JSONField) == (entry.kind == pii.JSON), entry
    for model, kinds in pii.registered_models().items():
        assert kinds[pii.PHONE], f"{model}: erasure needs a phone field to find the member's rows"
    assert not pii.qualified_names() & pii.NOT_PERSONAL
