"""Admin screens for the registry and the users, filtered by registry.scope, permitted by access.policy."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import UniqueConstraint
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.permissions import HistoryAdmin, require
from registry import identity, services
from registry.models import Department, Region, ServiceHall, Staff, User, Window
from registry.scope import accounts_visible_to, hall_q, halls_visible_to, regions_visible_to

# What a user may do comes from the policy (access.policy), the same on every
# installation; groups would let an administrator grant around it.
admin.site.unregister(Group)
# Authenticators and recovery codes are secrets: their holder enrols (registry.two_factor) and the
# system administrator resets them on the 双因素认证 page; no admin screen shows or edits a key.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


def _limit_choices(db_field, request, kwargs):
    """Foreign-key choices in a registry form: only rows the user can see (the policy then
    decides whether the row may be saved)."""
    model = db_field.related_model
    if model is ServiceHall:
        kwargs["queryset"] = halls_visible_to(request.user)
    elif model in (Department, Window, Staff):
        kwargs["queryset"] = model.objects.filter(hall_q(request.user, "hall"))
    elif model is Region:
        kwargs["queryset"] = regions_visible_to(request.user)
    return kwargs


class HallScopedAdmin(HistoryAdmin):
    """Rows outside the user's halls are not listed and not found.

    ``hall_field`` is the path from the model to its hall ("" for halls).
    """

    hall_field = "hall"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(hall_q(request.user, self.hall_field))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if isinstance(obj, ServiceHall):
            try:
                services.hall_save(actor=request.user, hall=obj)
            except ValidationError as error:
                # The form offers only regions within reach: a post naming another was crafted.
                raise PermissionDenied from error
            return
        require(request.user, "hall.edit_registry", obj.hall)
        super().save_model(request, obj, form, change)


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
    """Inline rows of a hall: editable when the policy lets the user keep the hall's registry."""

    extra = 0
    formset = ConstraintMessageFormSet
    show_change_link = True

    def _may_keep(self, request, hall):
        return hall is not None and request.user.has_perm("hall.edit_registry", hall)

    def has_view_permission(self, request, obj=None):
        return obj is None or request.user.has_perm("hall.view", obj)

    def has_add_permission(self, request, obj=None):
        return self._may_keep(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_keep(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_keep(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PhoneHidingMixin:
    """Staff phone numbers are personal data: left out for those who need not see them."""

    def _shows_phone(self, request, obj):
        return request.user.has_perm("staff.view_phone", obj.hall if isinstance(obj, Staff) else obj)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not self._shows_phone(request, obj):
            fields = [f for f in fields if f != "phone"]
        return fields

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not self._shows_phone(request, obj):
            exclude.append("phone")
        return exclude


@admin.register(Region)
class RegionAdmin(HistoryAdmin):
    list_display = ["code", "name", "level", "full_name"]
    list_filter = ["level"]
    search_fields = ["code", "name", "full_name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    ordering = ["path"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=regions_visible_to(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _limit_choices(db_field, request, kwargs)
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
        # A hall's keepers may keep its address up to date; where it sits, what it is and whether
        # it is in use belong to those who may move it (the policy's hall.relocate, services.hall_save).
        if obj is not None and not request.user.has_perm("hall.relocate", obj):
            return list(services.RELOCATING_FIELDS)
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


# --- Users ------------------------------------------------------------------------------

PROFILE_FIELDS = ["display_name", "organisation", "email", "is_staff"]
SCOPE_FIELDS = ["role", "region", "halls"]


@admin.register(User)
class UserAdmin(HistoryAdmin, DjangoUserAdmin):
    """Accounts: the system administrator opens them and keeps their profile; the security
    administrator gives roles and scopes and sets passwords; nobody changes their own role,
    scope or active flag, and the superuser flag does not exist here (services.user_admin_save)."""

    list_display = ["username", "display_name", "role", "region", "organisation", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "organisation", "email"]
    list_select_related = ["region"]
    autocomplete_fields = ["region", "halls"]
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        (_("个人信息"), {"fields": PROFILE_FIELDS}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request) & accounts_visible_to(request.user)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        account = ["username", "password"] if request.user.has_perm("user.set_password", obj) else ["username"]
        return [
            (None, {"fields": account}),
            (_("个人信息"), {"fields": PROFILE_FIELDS}),
            (_("角色与范围"), {"fields": SCOPE_FIELDS}),
            (_("状态"), {"fields": ["is_active", "last_login", "date_joined"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if obj is None:
            return readonly
        user = request.user
        if not user.has_perm("user.edit_profile", obj):
            readonly += ["username", *PROFILE_FIELDS]
        if not user.has_perm("user.change_role", obj):
            readonly += SCOPE_FIELDS
        if not user.has_perm("user.change_active", obj):
            readonly += ["is_active"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = services.assignable_roles()
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.user_admin_check(actor=request.user, user=obj, changed=form.changed_data, adding=not change)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the halls too, before the log reads them
        services.user_admin_record(user=form.instance, changed=form.changed_data, adding=not change)

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, unquote(id))
        if target is None:
            raise Http404
        require(request.user, "user.set_password", target)
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            identity.password_set_by_other(request.user, target)
        return response
