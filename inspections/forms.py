from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from inspections.models import Department, ServiceHall, Staff, Window


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


class WindowForm(HallBoundForm):
    hall_scoped_fields = ("department",)

    class Meta:
        model = Window
        fields = ["number", "label", "name", "department", "kind", "active"]


class StaffForm(HallBoundForm):
    hall_scoped_fields = ("department", "window", "backup")

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
