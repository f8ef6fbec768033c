from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from circulars.models import Circular
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
                  "requirements", "accountability_tally", "naming"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "lead": forms.Textarea(attrs={"rows": 4}), "requirements": forms.Textarea(attrs={"rows": 4}),
            "accountability_tally": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
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
