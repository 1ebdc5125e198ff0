"""Make audit events append-only in the database itself: any UPDATE is refused.

DELETE is refused by the model and queryset (tests flush tables between cases, and a retention
job may one day archive old years through a deliberate path), UPDATE never has a reason.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION audit_event_refuse_update() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;"
        )
        schema_editor.execute(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_update();"
        )


def backwards(apps, schema_editor):
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_no_update" +
                          (" ON audit_event" if schema_editor.connection.vendor == "postgresql" else ""))


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
