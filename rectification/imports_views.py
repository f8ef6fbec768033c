"""The filled-in ledger's upload → preview (every change and every error) → apply (core.imports)."""

from django.utils.translation import gettext as _

from core.imports import own_batch, preview_page, upload_page
from core.models import ImportBatch
from core.permissions import action
from rectification import imports


@action("item.import")
def ledger_import(request):
    return upload_page(
        request, parse=lambda upload: imports.parse_ledger(user=request.user, upload=upload),
        template_context={"title": _("导入填报的整改台账"), "kind": "ledger"},
        preview_url=lambda batch: ("ledger_import_preview", batch.pk),
    )


def own_ledger_batch(*, user, pk):
    return own_batch(user=user, pk=pk, kind=ImportBatch.Kind.LEDGER)


@action("item.import", load=own_ledger_batch)
def ledger_import_preview(request, batch):
    return preview_page(
        request, batch, parse_again=lambda b: imports.ledger_changes(user=request.user, batch=b), done_url="ledger",
        title=_("导入填报的整改台账"),
        apply=lambda b: imports.apply_ledger(user=request.user, batch=b),
        skipped=lambda b: imports.ledger_skipped(batch=b),
    )
