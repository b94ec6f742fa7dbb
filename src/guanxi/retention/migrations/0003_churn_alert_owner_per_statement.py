"""The customer's owner follows to its churn alerts once per UPDATE statement instead of once per row
(PostgreSQL). The pool's reclaim sweep returns 2,000 customers in one statement; a row trigger ran a
plpgsql UPDATE for each of them (about 190 ms a batch). A statement trigger sees the statement's new rows as a
transition table and sets the owner of all their alerts in one join.

PostgreSQL refuses a column list (``UPDATE OF owner_id``) or a ``WHEN`` on a trigger with a transition table, so
it fires after every UPDATE of customers: for the usual one-row edit that is one index probe into the alerts
by customer, which touches no row when the owner did not change. It compares the alert's owner with the new
customer row only (no OLD TABLE to keep): the alerts' own trigger keeps that copy equal to the customer's
owner, so an alert differs exactly when its customer changed hands.

SQLite has no statement triggers (nor transition tables); its row triggers from 0002 stay.
"""

from django.db import migrations

POSTGRES = """
DROP TRIGGER IF EXISTS retention_churnalert_owner_follows ON customers_customer;
CREATE OR REPLACE FUNCTION retention_churnalert_owner_follows() RETURNS trigger AS $$
BEGIN
  UPDATE retention_churnalert a SET owner_id = n.owner_id
    FROM changed_customers n
   WHERE a.customer_id = n.id AND a.owner_id IS DISTINCT FROM n.owner_id;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER retention_churnalert_owner_follows AFTER UPDATE ON customers_customer
  REFERENCING NEW TABLE AS changed_customers
  FOR EACH STATEMENT EXECUTE FUNCTION retention_churnalert_owner_follows();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS retention_churnalert_owner_follows ON customers_customer;
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
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("retention", "0002_churn_alert_owner")]

    operations = [migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE), elidable=False)]
