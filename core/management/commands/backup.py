"""Write a backup archive: the database and every stored file, with a SHA-256 manifest.

    manage.py backup [-o FILE.tar] [--keep N]

Without -o the archive goes to VAR_DIR/backups/zuofeng-YYYYmmdd-HHMMSS.tar; with --keep, all but
the newest N archives there are removed afterwards. What is in it and how: core/backup.py.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and every evidence, proof and export file into one archive."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="archive to write (default: VAR_DIR/backups/zuofeng-<time>.tar)")
        parser.add_argument("--keep", type=int, help="then keep only the newest N archives in that directory")

    def handle(self, *args, output=None, keep=None, **options):
        try:
            result = backup_create(path=output, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("已写入备份 %(path)s：%(records)s 条记录、%(files)s 个文件，%(size)s 字节，SHA-256 %(sha256)s。")
            % {"path": result.path, "records": result.records, "files": result.files, "size": result.size,
               "sha256": result.sha256}
        )
        for old in result.removed:
            self.stdout.write(_("已删除旧备份 %(path)s。") % {"path": old})
