"""Before `migrate`: a database made before the apps were re-cut (December 2026) cannot be migrated.

The migrations started again from one initial migration per app (registry, core, inspections,
rectification, circulars) before anything went live. A database still carrying the old
history (inspections 0006, rectification 0004) is the development demo: under var/ it is moved
aside and a new one is made; anywhere else this stops with what to do.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

OLD_HISTORY = [("inspections", "0006_finding_search_upper_trigram"), ("rectification", "0004_import_batches")]


class Command(BaseCommand):
    help = "Move aside a development database made before the migrations started again (see its docstring)."

    def handle(self, *args, **options):
        if "django_migrations" not in connection.introspection.table_names():
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = set(cursor.fetchall())
        if not applied & set(OLD_HISTORY):
            return
        database = Path(str(connection.settings_dict["NAME"]))
        if connection.vendor != "sqlite" or Path(settings.VAR_DIR) not in database.parents:
            raise CommandError(
                f"{connection.settings_dict['NAME']} was made before December 2026, when the migrations started "
                "again from one per app. Make a new database (createdb …) and point DATABASE_URL at it."
            )
        connection.close()
        aside = database.with_name(f"{database.name}.before-{timezone.now():%Y%m%d%H%M%S}")
        database.rename(aside)
        self.stdout.write(f"The demo database predates the new migrations: moved to {aside}; a new one is made.")
