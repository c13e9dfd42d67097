"""The operator API's named permissions (export, erase, schema) on a model without a table; no table is made."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bot', '0004_text_keys_without_pattern_ops'),
    ]

    operations = [
        migrations.CreateModel(
            name='MemberDataAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
            options={
                'permissions': [('export_member_data', "Can export a member's personal data (operator API)"), ('erase_member_data', "Can erase a member's personal data (operator API)"), ('view_operator_api_schema', "Can read the operator API's schema")],
                'managed': False,
                'default_permissions': (),
            },
        ),
    ]
