"""Bring a backup archive back into an empty database and storage, verifying every SHA-256.

    manage.py migrate              # a new, empty database at the archive's migrations
    manage.py restore FILE.tar
    manage.py restore --check FILE.tar   # only verify the archive; nothing is written

It refuses, writing nothing, a damaged archive, a database that is not empty or not at the
archive's migrations, and a storage that already holds the archive's files (core/backup.py).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.backup import BackupError, backup_restore, backup_verify


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database and storage, verifying every file's SHA-256."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar written by manage.py backup")
        parser.add_argument("--check", action="store_true", help="only verify the archive; write nothing")

    def handle(self, *args, archive, check=False, **options):
        try:
            if check:
                manifest = backup_verify(path=archive)
            else:
                result = backup_restore(path=archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if check:
            self.stdout.write(
                _("备份 %(path)s 完整（写于 %(created)s）：%(records)s 条记录、%(files)s 个文件，SHA-256 全部相符。")
                % {"path": archive, "created": manifest["created_at"], "records": sum(manifest["counts"].values()),
                   "files": sum(1 for entry in manifest["members"] if "storage_name" in entry)}
            )
            return
        self.stdout.write(
            _("已从 %(path)s（写于 %(created)s）恢复 %(records)s 条记录、%(files)s 个文件，SHA-256 全部相符。")
            % {"path": result.path, "created": result.created_at, "records": result.records, "files": result.files}
        )
