"""A trigram index for the findings list's text search, on PostgreSQL only.

`description ILIKE '%…%'` (what icontains becomes: UPPER(description) LIKE …)
cannot use a B-tree; with pg_trgm a GIN index over UPPER(description) makes
the search usable at a million findings. SQLite has no such index and does
not need one at the sizes it is used for.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS finding_description_upper_trgm_idx "
        "ON inspections_finding USING gin (UPPER(description) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS finding_description_upper_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("inspections", "0002_taxonomy")]
    operations = [migrations.RunPython(create, drop)]
