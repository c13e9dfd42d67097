"""The inbox, outbox and platform-error text keys declared in Meta: no PostgreSQL pattern-ops twin index
on any of them (see the `bot.models` docstring). Each table keeps exactly one unique index per key."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bot", "0003_inbox_rowid_pk"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inboxmessage",
            name="wamid",
            field=models.CharField(max_length=255),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="wa_id",
            field=models.CharField(max_length=32),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="wamid",
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
        migrations.AlterField(
            model_name="platformerror",
            name="digest",
            field=models.CharField(help_text="Hash of the item: redeliveries dedupe.", max_length=64),
        ),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(fields=["wa_id"], name="outbox_wa_id"),
        ),
        migrations.AddConstraint(
            model_name="inboxmessage",
            constraint=models.UniqueConstraint(fields=("wamid",), name="inbox_wamid_unique"),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.UniqueConstraint(fields=("wamid",), name="outbox_wamid_unique"),
        ),
        migrations.AddConstraint(
            model_name="platformerror",
            constraint=models.UniqueConstraint(fields=("digest",), name="platform_error_digest_unique"),
        ),
    ]
