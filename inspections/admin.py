"""Admin screens for the registry and users, filtered by the same scope as the pages."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import UniqueConstraint
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from inspections.facts import FACT_CHOICES, describe_facts
from inspections.models import (
    Campaign,
    Circular,
    Department,
    Evidence,
    Finding,
    ProblemCategory,
    Region,
    ServiceHall,
    Staff,
    User,
    Visit,
    Window,
)
from inspections.scope import (
    can_change_hall,
    can_view_staff_phone,
    circular_q,
    finding_q,
    findings_visible_to,
    hall_change_q,
    hall_q,
    halls_changeable_by,
    regions_visible_to,
    visit_q,
)

# What a user may do comes from their role (inspections.roles), the same on
# every installation; groups would let an administrator grant around it.
admin.site.unregister(Group)


def _limit_to_changeable(db_field, request, kwargs):
    """Foreign-key choices in a registry form: only rows of halls the user may change."""
    model = db_field.related_model
    if model is ServiceHall:
        kwargs["queryset"] = halls_changeable_by(request.user)
    elif model in (Department, Window, Staff):
        kwargs["queryset"] = model.objects.filter(hall_change_q(request.user, "hall"))
    elif model is Region:
        kwargs["queryset"] = regions_visible_to(request.user)
    return kwargs


class HallScopedAdmin(admin.ModelAdmin):
    """Rows outside the user's halls are not listed, not found and not changeable.

    ``hall_field`` is the path from the model to its hall ("" for halls).
    """

    hall_field = "hall"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(hall_q(request.user, self.hall_field))

    def _in_changeable_hall(self, request, obj):
        return (
            self.model.objects.filter(hall_change_q(request.user, self.hall_field), pk=obj.pk)
            .exists()
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._in_changeable_hall(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._in_changeable_hall(request, obj))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _limit_to_changeable(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ConstraintMessageFormSet(BaseInlineFormSet):
    """Duplicates within the inline rows get the constraint's own Chinese message.

    Django's default names the raw field ("number") instead of saying what is wrong.
    """

    def get_unique_error_message(self, unique_check):
        for constraint in self.model._meta.constraints:
            if isinstance(constraint, UniqueConstraint) and set(unique_check) <= set(constraint.fields):
                return constraint.get_violation_error_message()
        return super().get_unique_error_message(unique_check)


class HallInline(admin.TabularInline):
    """Inline rows of a hall: editable only when the hall itself is."""

    extra = 0
    formset = ConstraintMessageFormSet
    show_change_link = True

    def _hall_ok(self, request, obj):
        return obj is None or can_change_hall(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._hall_ok(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._hall_ok(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._hall_ok(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _limit_to_changeable(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PhoneHidingMixin:
    """Staff phone numbers are personal data: left out for those who need not see them."""

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not can_view_staff_phone(request.user):
            fields = [f for f in fields if f != "phone"]
        return fields

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not can_view_staff_phone(request.user):
            exclude.append("phone")
        return exclude


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "full_name"]
    list_filter = ["level"]
    search_fields = ["code", "name", "full_name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    ordering = ["path"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=regions_visible_to(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _limit_to_changeable(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DepartmentInline(HallInline):
    model = Department
    fields = ["name", "active"]


class WindowInline(HallInline):
    model = Window
    fields = ["number", "label", "name", "department", "kind", "active"]
    autocomplete_fields = ["department"]


class StaffInline(PhoneHidingMixin, HallInline):
    # The short form fits a laptop screen; phone, party membership and the A/B
    # partner are on each person's own page (the pencil link).
    model = Staff
    fields = ["name", "badge_number", "department", "window", "post", "active"]
    autocomplete_fields = ["department", "window"]


@admin.register(ServiceHall)
class ServiceHallAdmin(HallScopedAdmin):
    hall_field = ""
    list_display = ["name", "region", "kind", "address", "active"]
    list_filter = ["kind", "active", "region__level"]
    search_fields = ["name", "address", "region__name", "region__full_name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    inlines = [DepartmentInline, WindowInline, StaffInline]

    def get_readonly_fields(self, request, obj=None):
        # A hall manager keeps the address up to date, not where the hall sits.
        if obj is not None and request.user.role == "hall_manager":
            return ["name", "region", "kind"]
        return []


@admin.register(Department)
class DepartmentAdmin(HallScopedAdmin):
    list_display = ["name", "hall", "active"]
    list_filter = ["active", "hall__kind"]
    search_fields = ["name", "hall__name"]
    autocomplete_fields = ["hall"]
    list_select_related = ["hall"]


@admin.register(Window)
class WindowAdmin(HallScopedAdmin):
    list_display = ["__str__", "number", "hall", "department", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["label", "name", "number", "hall__name", "department__name"]
    autocomplete_fields = ["hall", "department"]
    list_select_related = ["hall", "department"]


@admin.register(Staff)
class StaffAdmin(PhoneHidingMixin, HallScopedAdmin):
    list_display = [
        "name", "badge_number", "hall", "department", "window", "post", "is_party_member", "active",
    ]
    list_filter = ["post", "is_party_member", "active"]
    search_fields = ["name", "badge_number", "hall__name", "department__name"]
    autocomplete_fields = ["hall", "department", "window", "backup"]
    list_select_related = ["hall", "department", "window"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "region", "organisation", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "organisation", "email"]
    list_select_related = ["region"]
    autocomplete_fields = ["region", "halls"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["display_name", "organisation", "email"]}),
        (_("角色与范围"), {"fields": ["role", "region", "halls"]}),
        (_("状态"), {"fields": ["is_active", "is_staff", "is_superuser", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        (_("角色与范围"), {"fields": ["display_name", "organisation", "role", "region", "halls", "is_staff"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]


# --- Taxonomy, campaigns and records ----------------------------------------------

class ProblemCategoryForm(forms.ModelForm):
    facts = forms.MultipleChoiceField(
        label=_("量化事实"), choices=FACT_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    required_facts = forms.MultipleChoiceField(
        label=_("必填的量化事实"), choices=FACT_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ProblemCategory
        fields = ["code", "name", "parent", "description", "facts", "required_facts", "active", "order"]


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(admin.ModelAdmin):
    form = ProblemCategoryForm
    list_display = ["code", "name", "parent", "active", "order"]
    list_filter = ["active", "parent"]
    search_fields = ["code", "name", "description"]
    list_select_related = ["parent"]
    ordering = ["order", "code"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = ProblemCategory.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # retire a category with "active", findings keep pointing at it


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "issuer", "doc_number", "start_date", "end_date"]
    search_fields = ["name", "issuer", "doc_number"]
    list_filter = ["issuer"]
    autocomplete_fields = ["regions", "focus_categories"]
    date_hierarchy = "start_date"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Findings, visits, evidence and ledger records change only through the services.

    A plain ModelAdmin on purpose: django-simple-history's admin history views
    load old versions without the scoped queryset (the embargo would leak
    there). The change history is shown on each record's own page instead.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyRecordAdmin):
    list_display = ["hall", "mode", "started_at", "ended_at", "team_name", "campaign"]
    list_filter = ["mode", "campaign"]
    search_fields = ["hall__name", "team_name", "notes"]
    list_select_related = ["hall", "campaign"]
    date_hierarchy = "started_at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(visit_q(request.user))


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["kind", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(ReadOnlyRecordAdmin):
    # Relations that could name other records are left out of the read-only page.
    list_display = ["finding_code", "hall", "category", "observed_at", "status"]
    exclude = ["facts"]
    readonly_fields = ["facts_text"]
    list_filter = ["status", "source", "severity", "category__parent"]
    search_fields = ["description", "hall__name", "staff__name", "staff_description"]
    list_select_related = ["hall", "category"]
    date_hierarchy = "observed_at"
    inlines = [EvidenceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(finding_q(request.user))

    @admin.display(description=_("问题编号"), ordering="pk")
    def finding_code(self, obj):
        return obj.code

    @admin.display(description=_("量化事实"))
    def facts_text(self, obj):
        return describe_facts(obj.facts) or "—"


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyRecordAdmin):
    list_display = ["original_name", "kind", "finding", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["finding", "uploaded_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(finding__in=findings_visible_to(request.user))


@admin.register(Circular)
class CircularAdmin(ReadOnlyRecordAdmin):
    list_display = ["doc_number", "title", "date", "status"]
    list_filter = ["status", "year"]
    search_fields = ["doc_number", "title", "issuer"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(circular_q(request.user))
