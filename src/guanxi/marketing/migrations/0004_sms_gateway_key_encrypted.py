"""The SMS provider's key is stored encrypted (``core.sealed``): the keys stored in plain text are sealed, then
the plain column goes. Going back opens them again."""

from typing import Any

from django.db import migrations, models

PURPOSE = "sms-gateway"  # providers.KEY_PURPOSE, as of this migration


def seal_keys(apps: Any, schema_editor: Any) -> None:
    from guanxi.core.sealed import seal

    SmsGateway = apps.get_model("marketing", "SmsGateway")
    for pk, key in SmsGateway.objects.exclude(api_key="").values_list("pk", "api_key").iterator():
        SmsGateway.objects.filter(pk=pk).update(key_encrypted=seal(key, purpose=PURPOSE))


def open_keys(apps: Any, schema_editor: Any) -> None:
    from guanxi.core.sealed import Unreadable, unseal

    SmsGateway = apps.get_model("marketing", "SmsGateway")
    for pk, token in SmsGateway.objects.exclude(key_encrypted="").values_list("pk", "key_encrypted").iterator():
        try:
            SmsGateway.objects.filter(pk=pk).update(api_key=unseal(token, purpose=PURPOSE)[:200])
        except Unreadable:
            continue


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0003_events_and_registrations"),
    ]

    operations = [
        migrations.AddField(
            model_name="smsgateway",
            name="key_encrypted",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(seal_keys, open_keys),
        migrations.RemoveField(
            model_name="smsgateway",
            name="api_key",
        ),
    ]
