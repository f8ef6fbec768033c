from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from circulars.exports import CircularExporter
from circulars.models import Circular


class Command(BaseCommand):
    help = "Write a circular's findings table to an .xlsx file: export_circular <doc-number-or-id> -o FILE.xlsx"

    def add_arguments(self, parser):
        parser.add_argument("circular", help="document number (e.g. 黑作整办〔2026〕3号) or id")
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--draft", action="store_true", help="allow a draft (its findings may be embargoed)")

    def handle(self, *args, circular, output, draft=False, **options):
        lookup = Q(doc_number=circular) | (Q(pk=int(circular)) if circular.isdigit() else Q(pk__in=[]))
        found = Circular.objects.filter(lookup).first()
        if found is None:
            raise CommandError(f"No circular {circular!r}.")
        if found.status != Circular.Status.PUBLISHED and not draft:
            raise CommandError(f"{found.doc_number} is a draft; pass --draft to export it anyway.")
        with open(output, "wb") as handle:
            CircularExporter(circular=found).write(handle)
        self.stdout.write(f"{found.doc_number}: {found.findings.count()} findings → {output}")
