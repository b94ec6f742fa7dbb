"""Trigram indexes for finding a lead by a fragment of the person's or the company's name on PostgreSQL
(phones, e-mails and numbers use the plain indexes). SQLite searches a laptop's data without them."""

from django.db import migrations

INDEXES = [
    ("lead_name_trgm", "leads_lead", "name"),
    ("lead_company_trgm", "leads_lead", "company"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_leads_forms_rules")]
    operations = [migrations.RunPython(create, drop)]
