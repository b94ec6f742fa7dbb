"""The trigram index of the name keys (``customer_name_key_trgm``) keeps its GIN pending list short.

PostgreSQL queues a GIN index's new keys in a pending list (up to 4 MB, about 25,000 names) and reads the
whole list on every lookup, so each "name contains" lookup of the duplicate check read some 300 pages where
the index itself needs about 20 (3–11 ms instead of 0.2 ms); an import's batch makes 200 such lookups. With
the smallest list (64 kB) the inserting transaction merges its keys into the index every few hundred names,
which costs an import about 0.1 ms a row."""

from typing import Any

from django.db import migrations

INDEX = "customer_name_key_trgm"


def shorten(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX {INDEX} SET (gin_pending_list_limit = 64)")
    schema_editor.execute(f"SELECT gin_clean_pending_list('{INDEX}'::regclass)")


def lengthen(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX {INDEX} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0016_customer_owner_expiry"),
    ]

    operations = [migrations.RunPython(shorten, lengthen)]
