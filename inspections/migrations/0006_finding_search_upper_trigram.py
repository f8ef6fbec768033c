"""The findings text search compares UPPER(description) (what icontains becomes on
PostgreSQL), so that is what the trigram index must cover; the plain one is unused."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS finding_description_trgm_idx")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS finding_description_upper_trgm_idx "
        "ON inspections_finding USING gin (UPPER(description) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS finding_description_upper_trgm_idx")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS finding_description_trgm_idx "
        "ON inspections_finding USING gin (description gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0005_circulars_and_export_jobs")]
    operations = [migrations.RunPython(create, drop)]
