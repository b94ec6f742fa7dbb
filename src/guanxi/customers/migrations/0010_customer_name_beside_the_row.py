"""The search keys move beside the customer row (``CustomerName``) with their trigram and bigram (GIN) indexes,
so rewriting a customer row no longer re-inserts every name's dozens of index keys. One INSERT … SELECT copies
them (about half a minute at a million customers on PostgreSQL, with the indexes built after the copy)."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "customer_name_key_trgm": "USING gin (name_key gin_trgm_ops)",
    "customer_pinyin_trgm": "USING gin (name_pinyin gin_trgm_ops)",
    "customer_initials_trgm": "USING gin (name_initials gin_trgm_ops)",
    # The expression must be the one selectors.HasBigram writes, or the planner will not use the index.
    "customer_name_bigrams_fts": "USING gin (to_tsvector('simple', name_bigrams))",
}


COPY_KEYS = (
    "INSERT INTO customers_customername (customer_id, name_key, name_pinyin, name_initials, name_bigrams) "
    "SELECT id, name_key, name_pinyin, name_initials, name_bigrams FROM customers_customer"
)
COPY_KEYS_BACK = (
    "UPDATE customers_customer SET name_initials = n.name_initials, name_bigrams = n.name_bigrams "
    "FROM customers_customername n WHERE n.customer_id = customers_customer.id"
)


def move_search_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the copied rows now: the tables change next
    for name, definition in INDEXES.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON customers_customername {definition}")


def move_search_indexes_back(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON customers_customer {definition}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_leaner_customer_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerName",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="customers.customer",
                    ),
                ),
                ("name_key", models.CharField(max_length=60)),
                ("name_pinyin", models.CharField(max_length=300)),
                ("name_initials", models.CharField(max_length=60)),
                ("name_bigrams", models.TextField(default="")),
            ],
        ),
        migrations.RunSQL(COPY_KEYS, COPY_KEYS_BACK),
        migrations.RunPython(move_search_indexes, move_search_indexes_back),
        migrations.RemoveIndex(model_name="customer", name="customer_initials_prefix"),
        migrations.RemoveField(model_name="customer", name="name_bigrams"),
        migrations.RemoveField(model_name="customer", name="name_initials"),
        migrations.AddIndex(
            model_name="customername",
            index=models.Index(fields=["name_initials"], name="customer_initials", opclasses=["varchar_pattern_ops"]),
        ),
    ]
