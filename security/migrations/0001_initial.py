"""The audit log table, made append-only at the database level by triggers for the connection's vendor."""

import django.utils.timezone
from django.db import migrations, models


def install_guard(apps, schema_editor):
    from security.audit import install_guard

    install_guard(schema_editor.connection)


def remove_guard(apps, schema_editor):
    from security.audit import remove_guard

    remove_guard(schema_editor.connection)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, help_text="When (UTC).")),
                (
                    "actor",
                    models.CharField(
                        help_text="member:<masked phone>, staff:<username>, system, ledger", max_length=120
                    ),
                ),
                ("action", models.CharField(db_index=True, max_length=64)),
                ("obj", models.CharField(blank=True, max_length=200, verbose_name="object")),
                ("old_values", models.JSONField(blank=True, null=True)),
                ("new_values", models.JSONField(blank=True, null=True)),
                (
                    "client_ip",
                    models.CharField(blank=True, help_text="Trusted client address (proxy hops).", max_length=45),
                ),
                ("user_agent", models.CharField(blank=True, max_length=200)),
                ("correlation_id", models.CharField(blank=True, db_index=True, max_length=64)),
            ],
            options={
                "verbose_name": "audit event",
                "ordering": ["-at", "-id"],
                "default_permissions": ("add", "view"),
            },
        ),
        migrations.RunPython(install_guard, remove_guard),
    ]
