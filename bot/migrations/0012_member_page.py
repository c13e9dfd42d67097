"""The admin member page's permissions (view the page, read the transcript's texts) on a proxy: no table."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('bot', '0011_outbox_retry_permission'),
    ]

    operations = [
        migrations.CreateModel(
            name='Member',
            fields=[
            ],
            options={
                'permissions': [('view_member_transcript', "Can read the texts of a member's conversation (admin)")],
                'proxy': True,
                'default_permissions': ('view',),
                'indexes': [],
                'constraints': [],
            },
            bases=('bot.memberidentity',),
        ),
    ]
