from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from circulars.models import Circular, Opinion
from circulars.scope import circulars_visible_to
from inspections.models import Finding
from inspections.scope import findings_visible_to
from registry.scope import regions_visible_to


class CircularForm(forms.ModelForm):
    findings = forms.ModelMultipleChoiceField(
        label=_("通报的问题"), queryset=Finding.objects.none(), widget=forms.CheckboxSelectMultiple,
        required=False, help_text=_("只列出已确认、尚未通报的问题。"),
    )

    class Meta:
        model = Circular
        fields = ["issuer", "issuer_code", "year", "serial", "region", "title", "date", "lead",
                  "requirements", "accountability_tally", "naming", "corrects"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "lead": forms.Textarea(attrs={"rows": 4}), "requirements": forms.Textarea(attrs={"rows": 4}),
            "accountability_tally": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_visible_to(user).exclude(level="township")
        self.fields["corrects"].queryset = circulars_visible_to(user).filter(status=Circular.Status.PUBLISHED)
        self.fields["corrects"].label_from_instance = lambda c: f"{c.number_text} {c.title}"
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


NEW_SECTIONS = ("new1", "new2")


class ArrangeForm(forms.Form):
    """Every section and entry of a draft in one form: titles and order, and for each finding its
    section, place, sentence and 处理意见. Fields are named s<id>_…, e<id>_… and new1_…."""

    def __init__(self, *args, circular, sections, entries, composed, **kwargs):
        super().__init__(*args, **kwargs)
        self.section_rows, self.entry_rows = [], []
        choices = [(str(s.pk), s.title) for s in sections] + [
            (key, _("新章节 %(n)d") % {"n": n}) for n, key in enumerate(NEW_SECTIONS, start=1)]
        for s in sections:
            self.fields[f"s{s.pk}_title"] = forms.CharField(label=_("章节标题"), max_length=200, initial=s.title)
            self.fields[f"s{s.pk}_order"] = forms.IntegerField(label=_("顺序"), min_value=0, initial=s.order)
            self.section_rows.append((s, self[f"s{s.pk}_title"], self[f"s{s.pk}_order"]))
        self.new_rows = []
        for n, key in enumerate(NEW_SECTIONS, start=1):
            self.fields[f"{key}_title"] = forms.CharField(
                label=_("新章节 %(n)d 标题") % {"n": n}, max_length=200, required=False)
            self.fields[f"{key}_order"] = forms.IntegerField(
                label=_("顺序"), min_value=0, initial=len(sections) + n)
            self.new_rows.append((key, self[f"{key}_title"], self[f"{key}_order"]))
        for e in entries:
            p = f"e{e.pk}"
            self.fields[f"{p}_section"] = forms.ChoiceField(label=_("章节"), choices=choices, initial=str(e.section_id))
            self.fields[f"{p}_order"] = forms.IntegerField(label=_("顺序"), min_value=0, initial=e.order)
            self.fields[f"{p}_text"] = forms.CharField(
                label=_("通报表述"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                initial=e.text or composed[e.pk], help_text=_("清空则恢复自动生成的表述。"))
            self.fields[f"{p}_opinion"] = forms.ChoiceField(label=_("处理意见"), choices=Opinion.choices,
                                                            initial=e.opinion)
            self.entry_rows.append((e, *(self[f"{p}_{name}"] for name in ("section", "order", "text", "opinion"))))

    def arrangement(self) -> dict:
        data = self.cleaned_data

        def target(value):
            return value if value in NEW_SECTIONS else int(value)

        return {
            "sections": {s.pk: (data[f"s{s.pk}_title"], data[f"s{s.pk}_order"]) for s, *_ in self.section_rows},
            "new_sections": {key: (data[f"{key}_title"], data[f"{key}_order"]) for key, *_ in self.new_rows},
            "entries": {e.pk: (target(data[f"e{e.pk}_section"]), data[f"e{e.pk}_order"], data[f"e{e.pk}_text"],
                               data[f"e{e.pk}_opinion"]) for e, *_ in self.entry_rows},
        }
