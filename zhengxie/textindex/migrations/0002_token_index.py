"""The vendor-specific token index beside textindex_document: FTS5 on SQLite, GIN on PostgreSQL."""

from django.db import migrations

from zhengxie.textindex import backends


def create(apps, schema_editor):
    backends.create_schema(schema_editor)


def drop(apps, schema_editor):
    backends.drop_schema(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("textindex", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
