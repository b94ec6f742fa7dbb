from typing import Any

from django.db import migrations

# The documents' name-and-tag search, PostgreSQL only (SQLite scans): trigrams for fragments of three or more
# characters, so a search over a large library reads the index rather than every row.
INDEXES = {"document_search_trgm": "USING gin (search_text gin_trgm_ops) WHERE deleted_at IS NULL"}


def create_search_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON collab_document {definition}")


def drop_search_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("collab", "0001_announcements_documents_and_sales_scripts")]

    operations = [migrations.RunPython(create_search_indexes, drop_search_indexes)]
