"""The customer's owner beside each churn alert (the churn inbox reads an owner's alerts from one index), kept
by the database: whatever path changes a customer's owner (a transfer, a claim, a return to the pool, the
pool's reclaim, an import, a merge that moves alerts, plain SQL), triggers copy it to the customer's alerts,
and a new or moved alert takes its customer's owner.

On SQLite a later migration that rebuilds ``customers_customer`` or ``retention_churnalert`` drops their
triggers; ``tests/retention/test_alert_owner.py`` checks they exist.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRES = """
CREATE OR REPLACE FUNCTION retention_churnalert_owner_follows() RETURNS trigger AS $$
BEGIN
  UPDATE retention_churnalert SET owner_id = NEW.owner_id
   WHERE customer_id = NEW.id AND owner_id IS DISTINCT FROM NEW.owner_id;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER retention_churnalert_owner_follows AFTER UPDATE OF owner_id ON customers_customer
  FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id)
  EXECUTE FUNCTION retention_churnalert_owner_follows();

CREATE OR REPLACE FUNCTION retention_churnalert_owner_set() RETURNS trigger AS $$
BEGIN
  NEW.owner_id := (SELECT owner_id FROM customers_customer WHERE id = NEW.customer_id);
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER retention_churnalert_owner_set BEFORE INSERT OR UPDATE OF customer_id, owner_id
  ON retention_churnalert FOR EACH ROW EXECUTE FUNCTION retention_churnalert_owner_set();

UPDATE retention_churnalert a SET owner_id = c.owner_id FROM customers_customer c
 WHERE c.id = a.customer_id AND c.owner_id IS NOT NULL;
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS retention_churnalert_owner_follows ON customers_customer;
DROP TRIGGER IF EXISTS retention_churnalert_owner_set ON retention_churnalert;
DROP FUNCTION IF EXISTS retention_churnalert_owner_follows();
DROP FUNCTION IF EXISTS retention_churnalert_owner_set();
"""

# SQLite's triggers cannot assign NEW: the inserted or moved alert is updated after the fact
SQLITE = [
    """CREATE TRIGGER retention_churnalert_owner_follows AFTER UPDATE OF owner_id ON customers_customer
       WHEN OLD.owner_id IS NOT NEW.owner_id
       BEGIN
         UPDATE retention_churnalert SET owner_id = NEW.owner_id
          WHERE customer_id = NEW.id AND owner_id IS NOT NEW.owner_id;
       END""",
    """CREATE TRIGGER retention_churnalert_owner_set AFTER INSERT ON retention_churnalert
       BEGIN
         UPDATE retention_churnalert SET owner_id = (SELECT owner_id FROM customers_customer WHERE id = NEW.customer_id)
          WHERE id = NEW.id;
       END""",
    """CREATE TRIGGER retention_churnalert_owner_moved AFTER UPDATE OF customer_id, owner_id ON retention_churnalert
       WHEN NEW.owner_id IS NOT (SELECT owner_id FROM customers_customer WHERE id = NEW.customer_id)
       BEGIN
         UPDATE retention_churnalert SET owner_id = (SELECT owner_id FROM customers_customer WHERE id = NEW.customer_id)
          WHERE id = NEW.id;
       END""",
    """UPDATE retention_churnalert
          SET owner_id = (SELECT owner_id FROM customers_customer c WHERE c.id = retention_churnalert.customer_id)""",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS retention_churnalert_owner_follows",
    "DROP TRIGGER IF EXISTS retention_churnalert_owner_set",
    "DROP TRIGGER IF EXISTS retention_churnalert_owner_moved",
]


def _run(postgres, sqlite):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in [postgres] if vendor == "postgresql" else sqlite if vendor == "sqlite" else []:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0015_credit_rating_scale"),
        ("retention", "0001_churn_alerts_care_rules_and_risk_scores"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="churnalert",
            name="owner",
            field=models.ForeignKey(
                blank=True, db_index=False, editable=False, null=True,
                on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL,
                verbose_name="owner",
            ),
        ),  # fmt: skip
        migrations.RunPython(_run(POSTGRES, SQLITE), _run(POSTGRES_REVERSE, SQLITE_REVERSE), elidable=False),
        migrations.AddIndex(
            model_name="churnalert",
            index=models.Index(
                fields=["owner", "-raised_at", "-id"],
                condition=models.Q(status__in=["warned", "retaining"], deleted_at__isnull=True),
                name="churn_alert_owner_open",
            ),
        ),
    ]
