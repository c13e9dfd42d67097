"""The instruction's member index declared in Meta: no PostgreSQL pattern-ops twin (see `bot.models`)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credex_api", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="instruction",
            name="member",
            field=models.CharField(help_text="WhatsApp id of the member (PII).", max_length=32),
        ),
        migrations.AddIndex(
            model_name="instruction",
            index=models.Index(fields=["member"], name="instruction_member"),
        ),
    ]
