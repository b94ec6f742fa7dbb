"""The database itself refuses to change or delete audit entries (the model refuses too).

One change stays allowed: deleting a user sets ``actor`` to NULL (on_delete=SET_NULL); ``actor_name``
keeps who it was. On SQLite only UPDATE is refused: Django empties SQLite tables with DELETE (flush),
and a rebuild of the table by a later migration drops its triggers, so a test checks they exist.
"""

from django.db import migrations

COLUMNS = ["id", "at", "actor_name", "ip", "action", "object_type", "object_id", "object_repr", "changes", "note"]

POSTGRES = f"""
CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit entries cannot be deleted';
  END IF;
  IF ({", ".join(f"NEW.{c}" for c in COLUMNS)}) IS DISTINCT FROM ({", ".join(f"OLD.{c}" for c in COLUMNS)})
     OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id) THEN
    RAISE EXCEPTION 'audit entries cannot be changed';
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
  FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS core_auditentry_append_only();
"""

SQLITE = f"""
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE ON core_auditentry
WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)}
  OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS NOT OLD.actor_id)
BEGIN
  SELECT RAISE(ABORT, 'audit entries cannot be changed');
END;
"""

SQLITE_REVERSE = "DROP TRIGGER IF EXISTS core_auditentry_append_only;"

FORWARD = {"postgresql": POSTGRES, "sqlite": SQLITE}
BACKWARD = {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}


def _run(statements: dict[str, str]):
    def run(apps, schema_editor):
        sql = statements.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_notification_notificationpreference")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
