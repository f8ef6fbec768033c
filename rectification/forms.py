from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DATE
from inspections.models import Finding
from inspections.scope import findings_visible_to
from rectification.models import Accountability, RectificationItem, RectificationKind, Revisit
from rectification.scope import items_visible_to
from registry.models import Department, Staff


class ItemCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("整改类型"), choices=RectificationKind.choices)
    working_days = forms.IntegerField(
        label=_("整改时限（工作日）"), min_value=1, max_value=365, required=False,
        help_text=_("留空按整改时限规则计算。"),
    )
    deadline = forms.DateField(label=_("或指定截止日期"), required=False, widget=DATE)
    responsible_leader = forms.CharField(label=_("责任领导"), max_length=50, required=False)
    responsible_person = forms.CharField(label=_("责任人"), max_length=50, required=False)
    measures = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    also = forms.ModelMultipleChoiceField(
        label=_("一并整改的同单位问题"), queryset=Finding.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, finding, user, rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        if rule is not None:
            self.fields["kind"].initial = rule.kind
            self.fields["working_days"].initial = rule.working_days
        self.fields["also"].queryset = (
            findings_visible_to(user)
            .filter(hall=finding.hall, status__in=[Finding.Status.CONFIRMED, Finding.Status.PUBLISHED],
                    rectification_items__isnull=True)
            .exclude(pk=finding.pk).select_related("category")
        )
        self.fields["also"].label_from_instance = lambda f: f"{f.code} {f.category.name} {f.observed_at:%m-%d}"


class ItemEditForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = RectificationItem
        fields = ["measures", "standard", "responsible_leader", "responsible_person", "completion_note",
                  "kind", "deadline"]
        widgets = {
            "measures": forms.Textarea(attrs={"rows": 3}), "standard": forms.Textarea(attrs={"rows": 2}),
            "completion_note": forms.Textarea(attrs={"rows": 2}), "deadline": DATE,
        }

    def __init__(self, *args, office: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version
        if not office:
            del self.fields["kind"]
            del self.fields["deadline"]


class ProgressForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE, initial=timezone.localdate)
    text = forms.CharField(label=_("整改进展"), widget=forms.Textarea(attrs={"rows": 3}))


class ClosureRequestForm(forms.Form):
    completion_note = forms.CharField(label=_("完成情况"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(forms.Form):
    proposed_deadline = forms.DateField(label=_("申请延至"), widget=DATE)
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    note = forms.CharField(label=_("审批意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RevisitForm(forms.Form):
    items = forms.ModelMultipleChoiceField(
        label=_("回访的整改事项"), queryset=RectificationItem.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个整改事项。")},
    )
    date = forms.DateField(label=_("回访日期"), widget=DATE, initial=timezone.localdate)
    verdict = forms.ChoiceField(label=_("回访结论"), choices=Revisit.Verdict.choices, widget=forms.RadioSelect)
    observation = forms.CharField(label=_("回访情况"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Any item the inspector can see; the service says which are not awaiting a revisit.
        self.fields["items"].queryset = items_visible_to(user).select_related("hall")
        self.fields["items"].label_from_instance = lambda i: f"{i.code} {i.hall}"


class AccountabilityForm(forms.Form):
    subject = forms.ChoiceField(label=_("问责对象类型"), choices=Accountability.Subject.choices)
    staff = forms.ModelChoiceField(label=_("工作人员"), queryset=Staff.objects.none(), required=False)
    person_name = forms.CharField(label=_("姓名"), max_length=50, required=False, help_text=_("领导干部或未登记人员。"))
    person_title = forms.CharField(label=_("职务"), max_length=100, required=False)
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none(), required=False)
    track = forms.ChoiceField(label=_("问责方式"), choices=Accountability.Track.choices)
    type = forms.ChoiceField(label=_("处理类型"), choices=[])
    deciding_body = forms.CharField(label=_("决定机关"), max_length=100)
    decision_number = forms.CharField(label=_("决定文号"), max_length=60, required=False)
    decision_date = forms.DateField(label=_("决定日期"), widget=DATE, initial=timezone.localdate)
    findings = forms.ModelMultipleChoiceField(
        label=_("相关问题"), queryset=Finding.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    items = forms.ModelMultipleChoiceField(
        label=_("相关整改事项"), queryset=RectificationItem.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, hall, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Staff.objects.filter(hall=hall).order_by("name")
        self.fields["department"].queryset = Department.objects.filter(hall=hall)
        self.fields["type"].choices = [
            (str(label), [(t, t) for t in types])
            for label, types in ((Accountability.Track(k).label, v) for k, v in Accountability.TYPES.items())
        ]
        self.fields["findings"].queryset = findings_visible_to(user).filter(hall=hall).select_related("category")
        self.fields["findings"].label_from_instance = lambda f: f"{f.code} {f.category.name} {f.observed_at:%Y-%m-%d}"
        self.fields["items"].queryset = items_visible_to(user).filter(hall=hall)
        self.fields["items"].label_from_instance = lambda i: f"{i.code} {i.get_status_display()}"
