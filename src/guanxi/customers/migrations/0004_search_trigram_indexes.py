"""Trigram indexes for the one-box search on PostgreSQL: name fragments, pinyin and partial phones stay
fast at a million customers. (SQLite searches a laptop's data without them.)"""

from django.db import migrations

INDEXES = [
    ("customer_name_key_trgm", "customers_customer", "name_key"),
    ("customer_pinyin_trgm", "customers_customer", "name_pinyin"),
    ("customer_initials_trgm", "customers_customer", "name_initials"),
    ("contact_mobile_trgm", "customers_contact", "mobile"),
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
    dependencies = [("customers", "0003_list_indexes")]
    operations = [migrations.RunPython(create, drop)]
