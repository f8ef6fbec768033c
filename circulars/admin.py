from django.contrib import admin

from circulars.models import Circular
from circulars.scope import circular_q
from core.permissions import ReadOnlyRecordAdmin


@admin.register(Circular)
class CircularAdmin(ReadOnlyRecordAdmin):
    list_display = ["doc_number", "title", "date", "status"]
    list_filter = ["status", "year"]
    search_fields = ["doc_number", "title", "issuer"]
    exclude = ["findings"]  # shown, scoped, on the circular's own page

    def get_queryset(self, request):
        return super().get_queryset(request).filter(circular_q(request.user))
