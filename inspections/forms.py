from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DATE, DateTimeLocalInput
from inspections.facts import FACT_KINDS, alternative_name, field_name
from inspections.models import Campaign, Finding, ProblemCategory, Visit
from inspections.scope import campaigns_visible_to
from inspections.services import validate_campaign, validate_finding
from registry.models import Department, Region, ServiceHall, Staff, Window
from registry.scope import halls_visible_to, regions_visible_to

# --- Campaigns ------------------------------------------------------------------------

CAMPAIGN_FIELDS = ("name", "issuer", "doc_number", "start_date", "end_date")


class CampaignChecks:
    """Says on the form's fields what the service would refuse (services.validate_campaign).

    ``actor`` is the user saving: given to the page's form, set on the admin's form class.
    """

    actor = None

    def clean(self):
        cleaned = super().clean()
        candidate = Campaign(pk=self.instance.pk, **{name: cleaned.get(name) for name in CAMPAIGN_FIELDS})
        try:
            validate_campaign(actor=self.actor, campaign=candidate, regions=cleaned.get("regions") or [])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field in self.errors:
                    continue  # the field's own error says enough
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


class CampaignForm(CampaignChecks, forms.ModelForm):
    """A campaign as the office issues it: the regions offered are its own, above the townships;
    the focus areas are the taxonomy's classes (seed 004 names five of them)."""

    class Meta:
        model = Campaign
        fields = [*CAMPAIGN_FIELDS, "regions", "focus_categories", "notes"]
        widgets = {
            "start_date": DATE, "end_date": DATE,
            "regions": forms.CheckboxSelectMultiple, "focus_categories": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = user
        regions = self.fields["regions"]
        regions.queryset = regions_visible_to(user).exclude(level=Region.Level.TOWNSHIP).order_by("path")
        regions.label_from_instance = lambda region: region.full_name
        regions.error_messages["invalid_choice"] = _("所选区划不在您的管辖范围内。")
        regions.error_messages["required"] = _("请至少选择一个覆盖区划。")
        focus = self.fields["focus_categories"]
        chosen = self.instance.focus_categories.values("pk") if self.instance.pk else []
        focus.queryset = ProblemCategory.objects.filter(
            Q(parent__isnull=True, active=True) | Q(pk__in=chosen)
        ).order_by("order", "code")
        focus.required = False
        if self.instance.pk is None:
            self.initial.setdefault("issuer", user.organisation)
            if user.region_id:
                self.initial.setdefault("regions", [user.region_id])


# --- Visits and findings ------------------------------------------------------------

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

    @staticmethod
    def hall_choices(user):
        """The halls an inspector may start a visit in (the picker searches these)."""
        return halls_visible_to(user).filter(active=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hall"].queryset = self.hall_choices(user)
        # Campaigns still running that reach the inspector's region; the service checks that the
        # chosen one covers the hall.
        campaign = self.fields["campaign"]
        campaign.queryset = campaigns_visible_to(user).filter(end_date__gte=timezone.localdate())
        campaign.empty_label = _("（不属于专项行动）")
        campaign.error_messages["invalid_choice"] = _("所选专项整治行动不在您的范围内或已经结束。")
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


class StaffSelect(forms.Select):
    """Staff options carry their window (data-window), so that the page narrows the list to the
    window chosen (static/js/app.js); without script every person stays on the list."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        staff = getattr(value, "instance", None)
        if staff is not None and staff.window_id:
            option["attrs"]["data-window"] = str(staff.window_id)
        return option


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
            "category", "observed_at", "window", "other_windows", "department", "other_departments", "staff",
            "staff_description", "severity", "description",
        ]
        widgets = {
            "observed_at": DateTimeLocalInput(),
            "description": forms.Textarea(attrs={"rows": 3, "placeholder": _("看到了什么：谁、在做什么、持续多久……")}),
            "severity": forms.RadioSelect,
            "other_windows": forms.CheckboxSelectMultiple, "other_departments": forms.CheckboxSelectMultiple,
            "staff": StaffSelect(attrs={"data-follows": "id_window"}),
        }

    def __init__(self, *args, hall, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.hall, self.visit = hall, visit
        self.fields["category"].set_choices()
        self.fields["window"].queryset = Window.objects.filter(hall=hall, active=True)
        self.fields["department"].queryset = Department.objects.filter(hall=hall, active=True)
        self.fields["other_windows"].queryset = self.fields["window"].queryset
        self.fields["other_departments"].queryset = self.fields["department"].queryset
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
        self.fact_keys = [key for key in (self.category.facts if self.category else []) if key in FACT_KINDS]
        for key in self.fact_keys:
            kind = FACT_KINDS[key]
            required = key in self.category.required_facts
            # With alternatives (未测量, 整个暗访期间…) the number may stay empty; clean_facts asks for one of them.
            self.fields[field_name(key)] = fact_field(key, required=required and not kind.alternatives)
            if kind.alternatives:
                self.fields[alternative_name(key)] = forms.ChoiceField(
                    label=_("或"), required=False,
                    choices=[("", _("（按上面的数值）"))] + [(k, label) for k, label, *_words in kind.alternatives])
            stored = self.instance.facts.get(key) if self.instance.pk else None
            if isinstance(stored, str) and stored in {k for k, *_rest in kind.alternatives}:
                self.initial[alternative_name(key)] = stored
            elif stored is not None:
                self.initial[field_name(key)] = stored

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
        """(the value's field, the field of its alternatives or None) for each fact of the category."""
        return [(self[field_name(key)], self[alternative_name(key)] if alternative_name(key) in self.fields else None)
                for key in self.fact_keys]

    @property
    def facts_raw(self):
        # A fact whose own field failed (say, letters in a number) counts as given,
        # so that it is not also reported as missing. An alternative chosen stands instead of the value.
        raw = {}
        for key in self.fact_keys:
            name = field_name(key)
            raw[key] = self.cleaned_data.get(alternative_name(key)) or self.cleaned_data.get(
                name, "given" if name in self.errors else None)
        return raw

    def clean(self):
        # Check against the hall, the visit and the category even when a field is
        # missing, so that every problem is reported in one round.
        cleaned = super().clean()
        for key in self.fact_keys:
            if cleaned.get(alternative_name(key)) and cleaned.get(field_name(key)) not in (None, ""):
                self.add_error(alternative_name(key), _("已填写数值，又选了“%(choice)s”：请只保留一种。") % {
                    "choice": dict(self.fields[alternative_name(key)].choices)[cleaned[alternative_name(key)]]})
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
    if kind.type == "choice" and kind.multiple:
        return forms.MultipleChoiceField(choices=list(kind.choices), widget=forms.CheckboxSelectMultiple, **common)
    if kind.type == "choice":
        return forms.ChoiceField(choices=[("", "—")] + list(kind.choices), **common)
    return forms.CharField(max_length=200, **common)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("不予认定理由"), widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明不予认定的理由。")},
    )
