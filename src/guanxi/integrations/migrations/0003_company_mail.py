"""Mail stands on its owner (``0002``): a message sent through the company's server has no mailbox, and is
stored once per owner; "my mail" is read by owner. (Apart from 0002: PostgreSQL does not alter a table whose
rows were just updated in the same transaction while deferred constraint checks are pending.)"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("integrations", "0002_email_owner")]

    operations = [
        migrations.AlterField(
            model_name="email",
            name="owner",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                to=settings.AUTH_USER_MODEL, verbose_name="owner",
            ),
        ),
        migrations.AlterField(
            model_name="email",
            name="mailbox",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="emails",
                to="integrations.mailbox", verbose_name="mailbox",
            ),
        ),
        migrations.RemoveIndex(model_name="email", name="email_mailbox_recent"),
        migrations.AddIndex(
            model_name="email", index=models.Index(fields=["owner", "-sent_at"], name="email_owner_recent")
        ),
        migrations.AddConstraint(
            model_name="email",
            constraint=models.UniqueConstraint(
                condition=models.Q(mailbox__isnull=True), fields=("owner", "message_id"), name="email_once_per_sender"
            ),
        ),
    ]
