"""The audit log's text indexes declared in Meta (no PostgreSQL pattern-ops twins; see `bot.models`).

On SQLite, altering a field rebuilds the table, and the rebuilt table has none of the append-only triggers
of 0001: the last operation puts them back (dropped first where they survived, as on PostgreSQL), inside
this migration's transaction, so no committed state lacks them. Reversed, the same holds.
"""

from django.db import migrations, models


def reinstall_guard(apps, schema_editor):
    from security.audit import install_guard, remove_guard

    remove_guard(schema_editor.connection)
    install_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("security", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall_guard),  # reversed: after the rebuild back
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="correlation_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action"], name="audit_action"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["correlation_id"], name="audit_correlation_id"),
        ),
        migrations.RunPython(reinstall_guard, migrations.RunPython.noop),
    ]
