from django.core.management.base import BaseCommand

from circulars.word import default_template


class Command(BaseCommand):
    help = ("Write the default Word template of circulars (GB/T 9704-2012) to FILE.docx, for an office "
            "to edit and then name in CIRCULAR_DOCX_TEMPLATE. Keep the styles named 公文-….")

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args, output, **options):
        default_template().save(output)
        self.stdout.write(f"template → {output}")
