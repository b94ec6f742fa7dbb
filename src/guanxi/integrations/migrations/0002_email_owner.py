"""Mail has an owner of its own (until now, its mailbox's owner), so a message sent through the company's server
by a user without a mailbox can be stored, theirs, with no mailbox."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def owners_from_mailboxes(apps, schema_editor):  # type: ignore[no-untyped-def]
    Email = apps.get_model("integrations", "Email")
    Mailbox = apps.get_model("integrations", "Mailbox")
    Email.objects.update(owner_id=Subquery(Mailbox.objects.filter(pk=OuterRef("mailbox_id")).values("owner_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_webhooks_and_mailboxes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="email",
            name="owner",
            field=models.ForeignKey(
                null=True, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                to=settings.AUTH_USER_MODEL, verbose_name="owner",
            ),
        ),
        migrations.RunPython(owners_from_mailboxes, migrations.RunPython.noop),
    ]
