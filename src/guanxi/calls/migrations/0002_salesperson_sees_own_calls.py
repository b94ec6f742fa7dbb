"""The shipped salesperson role gets ``calls.view``: their own calls and click-to-call from any phone number.

Installs whose salesperson role was already granted the call centre module (``granted_modules``) got none of
its codes; ``roles_sync_defaults`` never revisits a granted module (a grant an administrator removed stays
removed), so this adds the one code once. Installs that have not seen the module yet get it from the sync."""

from django.db import migrations

CODE = "calls.view"


def grant(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    for role in Role.objects.filter(code="salesperson", is_default=True):
        if "calls" in role.granted_modules and CODE not in role.permissions:
            role.permissions = sorted({*role.permissions, CODE})
            role.save(update_fields=["permissions"])


def ungrant(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    for role in Role.objects.filter(code="salesperson", is_default=True):
        if CODE in role.permissions:
            role.permissions = [code for code in role.permissions if code != CODE]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0001_calls_extensions_and_pbx_connections"),
        ("org", "0004_user_amounts_in_wan"),
    ]

    operations = [migrations.RunPython(grant, ungrant)]
