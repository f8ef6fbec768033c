from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.facts import FACT_KINDS, field_name
from inspections.models import (
    Campaign,
    Circular,
    Department,
    Finding,
    ProblemCategory,
    ServiceHall,
    Staff,
    Visit,
    Window,
)
from inspections.scope import halls_visible_to
from inspections.services import validate_finding


def add_errors(form, error: ValidationError):
    """Put a service's refusal on the form, field by field where it can, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


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


# --- Visits and findings ------------------------------------------------------------

class DateTimeLocalInput(forms.DateTimeInput):
    """The phone's own date-and-time picker."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class VisitForm(forms.ModelForm):
    hall = forms.ModelChoiceField(
        label=_("服务大厅"), queryset=ServiceHall.objects.none(), widget=forms.HiddenInput,
        error_messages={"required": _("请先搜索并选择要督查的服务大厅。"),
                        "invalid_choice": _("所选大厅不在您的督查范围内。")},
    )

    class Meta:
        model = Visit
        fields = ["hall", "mode", "campaign", "started_at", "team_name", "notes"]
        widgets = {
            "mode": forms.RadioSelect,
            "started_at": DateTimeLocalInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hall"].queryset = halls_visible_to(user).filter(active=True)
        self.fields["campaign"].queryset = Campaign.objects.filter(end_date__gte=timezone.localdate())
        self.fields["campaign"].empty_label = _("（不属于专项行动）")
        self.fields["started_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class CategoryChoiceField(forms.ModelChoiceField):
    """Sub-items grouped under their class, in taxonomy order."""

    def __init__(self, **kwargs):
        super().__init__(queryset=ProblemCategory.objects.none(), **kwargs)

    def set_choices(self):
        subitems = ProblemCategory.objects.filter(active=True, parent__isnull=False).select_related("parent")
        self.queryset = subitems
        groups: dict = {}
        for item in subitems.order_by("parent__order", "parent__code", "order", "code"):
            groups.setdefault(str(item.parent), []).append((item.pk, str(item)))
        self.choices = [("", _("请选择问题类别"))] + list(groups.items())


class FindingForm(forms.ModelForm):
    """One finding: the common fields plus the facts its category asks for.

    The fact fields are added for the category chosen (or posted), so the same
    form serves the first render, the HTMX swap when the category changes, and
    the save. Cross-checks with the hall and the visit live in
    ``services.validate_finding``, shared with the services.
    """

    category = CategoryChoiceField(label=_("问题类别"))

    class Meta:
        model = Finding
        fields = [
            "category", "observed_at", "window", "department", "staff", "staff_description",
            "severity", "description",
        ]
        widgets = {
            "observed_at": DateTimeLocalInput(),
            "description": forms.Textarea(attrs={"rows": 3, "placeholder": _("看到了什么：谁、在做什么、持续多久……")}),
            "severity": forms.RadioSelect,
        }

    def __init__(self, *args, hall, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.hall, self.visit = hall, visit
        self.fields["category"].set_choices()
        self.fields["window"].queryset = Window.objects.filter(hall=hall, active=True)
        self.fields["department"].queryset = Department.objects.filter(hall=hall, active=True)
        self.fields["staff"].queryset = Staff.objects.filter(hall=hall, active=True).select_related("window")
        self.fields["staff"].label_from_instance = lambda s: (
            f"{s.name}（{s.window.display_label}）" if s.window_id else s.name
        )
        if not self.instance.pk:
            now = timezone.localtime().replace(second=0, microsecond=0)
            # After the visit has ended, the natural default is its end, not "now".
            if visit is not None and visit.ended_at and visit.ended_at < now:
                now = timezone.localtime(visit.ended_at).replace(second=0, microsecond=0)
            self.fields["observed_at"].initial = now
        for name, label in (("window", _("（不确定或不涉及）")), ("department", _("（不确定或不涉及）")),
                            ("staff", _("（身份不明）"))):
            self.fields[name].empty_label = label
        self.category = self._chosen_category()
        for key in (self.category.facts if self.category else []):
            self.fields[field_name(key)] = fact_field(key, required=key in self.category.required_facts)
            if self.instance.pk and key in self.instance.facts:
                self.initial[field_name(key)] = self.instance.facts[key]

    def _chosen_category(self):
        raw = self.data.get("category") if self.is_bound else None
        if raw is None:
            raw = self.initial.get("category") or self.instance.category_id
        try:
            return ProblemCategory.objects.get(pk=int(raw), parent__isnull=False)
        except (TypeError, ValueError, ProblemCategory.DoesNotExist):
            return None

    @property
    def fact_fields(self):
        return [self[name] for name in self.fields if name.startswith("fact_")]

    @property
    def facts_raw(self):
        # A fact whose own field failed (say, letters in a number) counts as given,
        # so that it is not also reported as missing.
        return {
            name.removeprefix("fact_"): self.cleaned_data.get(name, "given" if name in self.errors else None)
            for name in self.fields if name.startswith("fact_")
        }

    def clean(self):
        # Check against the hall, the visit and the category even when a field is
        # missing, so that every problem is reported in one round.
        cleaned = super().clean()
        try:
            validate_finding(hall=self.hall, visit=self.visit, values=cleaned, facts_raw=self.facts_raw)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field in self.errors:
                    continue  # the field's own error says enough
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned

    def values(self):
        return {field: self.cleaned_data.get(field) for field in self.Meta.fields}


def fact_field(key: str, *, required: bool) -> forms.Field:
    """A form field for one quantitative fact; the rules themselves are in inspections.facts."""
    kind = FACT_KINDS[key]
    label = f"{kind.label}（{kind.unit}）" if kind.unit else kind.label
    common = {"label": label, "required": required}
    if kind.type == "int":
        return forms.IntegerField(widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **common)
    if kind.type == "decimal":
        return forms.DecimalField(widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}), **common)
    if kind.type == "time":
        return forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **common)
    if kind.type == "choice":
        return forms.ChoiceField(choices=[("", "—")] + list(kind.choices), **common)
    return forms.CharField(max_length=200, **common)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("不予认定理由"), widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明不予认定的理由。")},
    )


class CircularForm(forms.ModelForm):
    findings = forms.ModelMultipleChoiceField(
        label=_("通报的问题"), queryset=Finding.objects.none(), widget=forms.CheckboxSelectMultiple,
        required=False, help_text=_("只列出已确认、尚未通报的问题。"),
    )

    class Meta:
        model = Circular
        fields = ["issuer", "issuer_code", "year", "serial", "region", "title", "date", "lead",
                  "requirements", "accountability_tally", "naming"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "lead": forms.Textarea(attrs={"rows": 4}), "requirements": forms.Textarea(attrs={"rows": 4}),
            "accountability_tally": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from inspections.scope import findings_visible_to, regions_visible_to

        self.fields["region"].queryset = regions_visible_to(user).exclude(level="township")
        self.fields["serial"].required = False
        self.fields["serial"].help_text = _("留空则自动取下一个序号。")
        chosen = self.instance.findings.values("pk") if self.instance.pk else []
        self.fields["findings"].queryset = (
            findings_visible_to(user)
            .filter(Q(status=Finding.Status.CONFIRMED) | Q(pk__in=chosen))
            .select_related("hall", "category").order_by("category__code", "observed_at")
        )
        self.fields["findings"].label_from_instance = (
            lambda f: f"{f.code} {f.hall.name} · {f.category.name} · {timezone.localtime(f.observed_at):%m-%d}"
        )
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year)
            self.initial.setdefault("date", timezone.localdate())
            if user.region_id:
                self.initial.setdefault("region", user.region_id)
            self.initial.setdefault("naming", Circular.Naming.SURNAME)
