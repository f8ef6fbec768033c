from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from circulars.document import document_of
from circulars.exports import CircularExporter
from circulars.models import Circular
from circulars.word import write_docx


class Command(BaseCommand):
    help = ("Write a circular as its Word document or its workbook: "
            "export_circular <doc-number-or-id> -o FILE.docx | FILE.xlsx")

    def add_arguments(self, parser):
        parser.add_argument("circular", help="document number (e.g. 黑作整办〔2026〕3号) or id")
        parser.add_argument("-o", "--output", required=True, help="FILE.docx or FILE.xlsx")
        parser.add_argument("--draft", action="store_true", help="allow a draft (its findings may be embargoed)")

    def handle(self, *args, circular, output, draft=False, **options):
        kind = Path(output).suffix.lower()
        if kind not in (".docx", ".xlsx"):
            raise CommandError("The output must end in .docx (the document) or .xlsx (the workbook).")
        lookup = Q(doc_number=circular) | (Q(pk=int(circular)) if circular.isdigit() else Q(pk__in=[]))
        found = Circular.objects.filter(lookup).first()
        if found is None:
            raise CommandError(f"No circular {circular!r}.")
        if found.status != Circular.Status.PUBLISHED and not draft:
            raise CommandError(f"{found.number_text} is a draft; pass --draft to export it anyway.")
        with open(output, "wb") as handle:
            if kind == ".docx":
                write_docx(document_of(found), handle)
            else:
                CircularExporter(circular=found).write(handle)
        self.stdout.write(f"{found.number_text}: {found.findings.count()} findings → {output}")
