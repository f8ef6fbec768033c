from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry.models import Department, ServiceHall, Staff, Window


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
