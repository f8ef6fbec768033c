"""Writes. Each service checks scope itself, so views and admin cannot skip it."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from inspections.models import Staff, Window
from inspections.scope import can_change_hall


@transaction.atomic
def registry_row_save(*, actor, row: Window | Staff) -> Window | Staff:
    """Validate and save a window or staff member of a hall the actor may change."""
    if not can_change_hall(actor, row.hall):
        raise PermissionDenied
    row.full_clean()
    row.save()
    return row
