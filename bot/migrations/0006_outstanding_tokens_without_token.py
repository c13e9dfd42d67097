"""Blank the refresh-token text of the blacklist's rows written before `operator_api.token_storage` (jti kept)."""

from django.db import migrations


def blank_tokens(apps, schema_editor):
    apps.get_model("token_blacklist", "OutstandingToken").objects.exclude(token="").update(token="")


class Migration(migrations.Migration):
    dependencies = [
        ("bot", "0005_operator_permissions"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ]

    operations = [migrations.RunPython(blank_tokens, migrations.RunPython.noop)]
