"""Admin: the working-day calendar and the deadline rules (national reference data, with their
history), and the ledger records, read-only (they change through the services) and scoped."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from audit.log import record
from audit.models import Event
from core.permissions import HistoryAdmin, ReadOnlyRecordAdmin
from rectification import calendar
from rectification import services as ledger
from rectification.models import (
    Accountability,
    CalendarDay,
    CalendarYear,
    DeadlineRule,
    Digest,
    ExtensionRequest,
    Notification,
    ProgressEntry,
    RectificationItem,
    Revisit,
)
from rectification.scope import accountability_q, item_q


class CalendarAdmin(HistoryAdmin):
    """Every change to the calendar counts the provisional deadlines again, in the same transaction."""

    def _recount(self, request, obj=None, change="", **detail):
        record(Event.CALENDAR_CHANGED, obj=obj, object_type=self.opts.label_lower, change=change, **detail)
        calendar.clear_cache()
        changed = ledger.estimated_deadlines_recount(actor=request.user)
        if changed:
            messages.info(request, _("已按新的日历重新计算 %(n)d 个预估整改时限，并通知了相关单位。") % {"n": len(changed)})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._recount(request, obj, "changed" if change else "added", fields=list(form.changed_data))

    def delete_model(self, request, obj):
        text = str(obj)
        super().delete_model(request, obj)
        self._recount(request, change="deleted", object=text)

    def delete_queryset(self, request, queryset):
        texts = [str(obj) for obj in queryset]
        super().delete_queryset(request, queryset)
        self._recount(request, change="deleted", objects=texts)


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarAdmin):
    list_display = ["year", "complete", "source"]


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(HistoryAdmin):
    list_display = ["category", "severity", "kind", "working_days"]
    list_filter = ["kind", "severity"]
    autocomplete_fields = ["category"]
    list_select_related = ["category"]


class ItemScoped(ReadOnlyRecordAdmin):
    item_field = ""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(item_q(request.user, self.item_field)).distinct()


@admin.register(RectificationItem)
class RectificationItemAdmin(ItemScoped):
    exclude = ["findings"]  # shown, scoped, on the item's own page
    list_display = ["code", "hall", "kind", "deadline", "status", "responsible_person"]
    list_filter = ["status", "kind", "needs_accountability"]
    search_fields = ["hall__name", "responsible_person", "measures"]
    list_select_related = ["hall"]
    date_hierarchy = "deadline"


@admin.register(ProgressEntry)
class ProgressEntryAdmin(ItemScoped):
    exclude = ["proof"]
    item_field = "item"
    list_display = ["item", "date", "author"]
    list_select_related = ["item", "author"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ItemScoped):
    item_field = "item"
    list_display = ["item", "current_deadline", "proposed_deadline", "status"]
    list_filter = ["status"]
    list_select_related = ["item"]


@admin.register(Revisit)
class RevisitAdmin(ItemScoped):
    exclude = ["items", "evidence"]
    item_field = "items"
    list_display = ["date", "verdict", "inspector"]
    list_filter = ["verdict"]
    list_select_related = ["inspector"]


@admin.register(Accountability)
class AccountabilityAdmin(ReadOnlyRecordAdmin):
    exclude = ["findings", "items"]
    list_display = ["decision_date", "subject_label", "hall", "track", "type", "deciding_body"]
    list_filter = ["track", "subject"]
    search_fields = ["person_name", "staff__name", "decision_number", "deciding_body"]
    list_select_related = ["hall", "staff"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(accountability_q(request.user))


class OwnOnlyAdmin(ReadOnlyRecordAdmin):
    """A person's own notifications and digests."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(recipient=request.user)


@admin.register(Notification)
class NotificationAdmin(OwnOnlyAdmin):
    list_display = ["created_at", "kind", "text", "read_at"]
    list_filter = ["kind"]


@admin.register(Digest)
class DigestAdmin(OwnOnlyAdmin):
    list_display = ["day", "sent_at"]
