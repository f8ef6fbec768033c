from django.core.management.base import BaseCommand, CommandError

from rectification.exports import LedgerExporter
from rectification.models import RectificationItem
from registry.models import Region, ServiceHall


class Command(BaseCommand):
    help = ("Write the rectification ledger to an .xlsx file: export_ledger [--region CODE] [--hall ID] -o FILE.xlsx. "
            "Written for nobody in particular, it names proof files by their neutral codes (ZJ0000012).")

    def add_arguments(self, parser):
        parser.add_argument("--region", help="a region code: that region and everything below it")
        parser.add_argument("--hall", type=int, help="a hall id")
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--include-prepared", action="store_true",
                            help="also items waiting for their circular (they may name embargoed findings)")

    def handle(self, *args, region=None, hall=None, output, include_prepared=False, **options):
        items = RectificationItem.objects.all()
        if not include_prepared:
            items = items.exclude(status=RectificationItem.Status.PREPARED)
        if region:
            found = Region.objects.filter(code=region).first()
            if found is None:
                raise CommandError(f"No region with code {region}.")
            items = items.filter(hall__region__path__startswith=found.path)
        if hall:
            if not ServiceHall.objects.filter(pk=hall).exists():
                raise CommandError(f"No hall {hall}.")
            items = items.filter(hall_id=hall)
        with open(output, "wb") as handle:
            LedgerExporter(queryset=items).write(handle)
        self.stdout.write(f"{items.count()} items → {output}")
