"""The two-character pieces of every customer's name key, and on PostgreSQL a full-text index on them: a
two-character name fragment (the most common search, too short for the trigram index of 0004) is then an
index lookup instead of a scan of every name."""

from typing import Any

from django.db import migrations, models

from guanxi.customers.keys import name_bigrams

BATCH = 5000
INDEX = "customer_name_bigrams_fts"


def backfill(apps: Any, schema_editor: Any) -> None:
    """Fill name_bigrams of every row (soft-deleted ones too), a batch of rows at a time in primary-key order."""
    customer = apps.get_model("customers", "Customer")
    rows = customer._base_manager.using(schema_editor.connection.alias).order_by("pk")
    postgres = schema_editor.connection.vendor == "postgresql"
    last = 0
    while batch := list(rows.filter(pk__gt=last).values_list("pk", "name_key")[:BATCH]):
        last = batch[-1][0]
        ids = [pk for pk, _key in batch]
        values = [name_bigrams(key) for _pk, key in batch]
        if postgres:  # one UPDATE joined to the batch as two arrays: bulk_update's CASE is slow on big batches
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE customers_customer SET name_bigrams = batch.bigrams "
                    "FROM unnest(%s::bigint[], %s::text[]) AS batch (id, bigrams) "
                    "WHERE customers_customer.id = batch.id",
                    [ids, values],
                )
        else:
            customer._base_manager.using(schema_editor.connection.alias).bulk_update(
                [customer(pk=pk, name_bigrams=value) for pk, value in zip(ids, values, strict=True)],
                ["name_bigrams"],
                batch_size=500,
            )


def create_index(apps: Any, schema_editor: Any) -> None:
    # The expression must be the one selectors.search_filter writes, or the planner will not use the index.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer "
        "USING gin (to_tsvector('simple', name_bigrams))"
    )


def drop_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_phone_and_name_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_bigrams",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
