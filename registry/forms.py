from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry.models import Department, ServiceHall, Staff, Window
from registry.scope import regions_visible_to
from registry.services import RELOCATING_FIELDS


class HallForm(forms.ModelForm):
    """A hall or another unit (a 股, a brigade, a stationed window…).

    The regions offered are the user's own (the service refuses any other). For a hall's
    keepers who may not move it (its managers), its name, region, kind and whether it is in use
    are shown but fixed: a disabled field ignores what is posted for it.
    """

    class Meta:
        model = ServiceHall
        fields = ["name", "kind", "region", "address", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        region.queryset = regions_visible_to(user).order_by("path")
        region.label_from_instance = lambda r: f"{r.full_name}（{r.code}）"
        region.error_messages["invalid_choice"] = _("所选区划不在您的管辖范围内。")
        region.empty_label = _("请选择所在区划")
        self.fields["kind"].help_text = _("不是大厅的单位（股室、执法大队、派驻窗口、企业服务窗口等）请选“其他窗口单位”中的一类。")
        if self.instance.pk is None:
            self.initial.setdefault("region", user.region_id)
        elif not user.has_perm("hall.relocate", self.instance):
            for name in RELOCATING_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("由作风办或系统管理员修改。")

    def clean(self):
        cleaned = super().clean()
        name, region = cleaned.get("name"), cleaned.get("region")
        if name and region:
            taken = ServiceHall.objects.filter(region=region, name=name).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("name", _constraint_message(ServiceHall, "hall_name_unique_per_region"))
        return cleaned


class HallBoundForm(forms.ModelForm):
    """A form for a registry row that belongs to a hall chosen by the URL.

    The hall is not a form field, so Django would leave it out of constraint
    checks; putting it back means "same number in this hall" is reported on the
    form in Chinese rather than as a database error.
    """

    hall_scoped_fields: tuple[str, ...] = ()

    def __init__(self, *args, hall: ServiceHall, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.hall = hall
        querysets = {
            "department": Department.objects.filter(hall=hall, active=True),
            "window": Window.objects.filter(hall=hall, active=True),
            "backup": Staff.objects.filter(hall=hall, active=True).exclude(pk=self.instance.pk),
        }
        for name in self.hall_scoped_fields:
            self.fields[name].queryset = querysets[name]

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("hall")
        return exclusions


def _constraint_message(model, name):
    return next(c for c in model._meta.constraints if c.name == name).get_violation_error_message()


class DepartmentForm(HallBoundForm):
    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = Department.objects.filter(hall=self.instance.hall, name=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_constraint_message(Department, "department_name_unique_per_hall"))
        return name

    class Meta:
        model = Department
        fields = ["name", "active"]


class WindowForm(HallBoundForm):
    hall_scoped_fields = ("department",)
    number = forms.IntegerField(label=_("窗口编号"), min_value=1)

    def clean_number(self):
        # Said on the field itself rather than above the form (the constraint's own message).
        number = self.cleaned_data["number"]
        taken = Window.objects.filter(hall=self.instance.hall, number=number).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_constraint_message(Window, "window_number_unique_per_hall"))
        return number

    class Meta:
        model = Window
        fields = ["number", "label", "name", "department", "kind", "active"]


class StaffForm(HallBoundForm):
    hall_scoped_fields = ("department", "window", "backup")

    def clean_badge_number(self):
        badge = self.cleaned_data["badge_number"].strip()
        taken = Staff.objects.filter(hall=self.instance.hall, badge_number=badge).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_constraint_message(Staff, "staff_badge_unique_per_hall"))
        return badge

    class Meta:
        model = Staff
        fields = [
            "name", "badge_number", "department", "window", "post",
            "is_party_member", "backup", "phone", "active",
        ]


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("用户名"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )


class OwnPasswordForm(PasswordChangeForm):
    """The holder's own change: the password rules of the settings, and not the same password again."""

    def clean_new_password1(self):
        new = self.cleaned_data.get("new_password1")
        if new and self.user.check_password(new):
            raise ValidationError(_("新密码不能与当前密码相同。"), code="password_unchanged")
        return new
