"""A trigram index for finding an opportunity by a fragment of its name on PostgreSQL (the global search box).
SQLite searches a laptop's data without it."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS opportunity_name_trgm ON sales_opportunity USING gin (name gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS opportunity_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_board_and_forecast_indexes")]
    operations = [migrations.RunPython(create, drop)]
