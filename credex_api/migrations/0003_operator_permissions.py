"""The `credex_api.view_breaker` permission the operator API's breaker endpoint checks; no schema change."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('credex_api', '0002_member_index_without_pattern_ops'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='instruction',
            options={'ordering': ['created_at', 'id'], 'permissions': [('view_breaker', 'Can view the ledger circuit breaker')]},
        ),
    ]
