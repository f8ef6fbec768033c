"""Admin: the taxonomy and campaigns (reference data, with their history), and visits, findings
and evidence, read-only (they change through the services) and scoped by inspections.scope."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.permissions import HistoryAdmin, ReadOnlyRecordAdmin
from inspections import services
from inspections.facts import FACT_CHOICES, describe_facts
from inspections.forms import CampaignChecks
from inspections.models import Campaign, Evidence, Finding, ProblemCategory, Visit
from inspections.scope import campaign_q, evidence_q, finding_q, visit_q
from registry.scope import regions_visible_to


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
class ProblemCategoryAdmin(HistoryAdmin):
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


class CampaignAdminForm(CampaignChecks, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "issuer", "doc_number", "start_date", "end_date", "regions", "focus_categories", "notes"]


@admin.register(Campaign)
class CampaignAdmin(HistoryAdmin):
    """Listed as on the campaign list (inspections.scope.campaign_q); saved by the same service."""

    form = CampaignAdminForm
    list_display = ["name", "issuer", "doc_number", "start_date", "end_date"]
    search_fields = ["name", "issuer", "doc_number"]
    list_filter = ["issuer"]
    autocomplete_fields = ["regions", "focus_categories"]
    date_hierarchy = "start_date"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(campaign_q(request.user))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user  # a class made for this request
        return form

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "regions":
            kwargs["queryset"] = regions_visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.campaign_save(actor=request.user, campaign=obj, regions=form.cleaned_data["regions"],
                               focus_categories=form.cleaned_data["focus_categories"])

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # the service has set the regions and the focus
            self.save_formset(request, form, formset, change=change)


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
        return super().get_queryset(request).filter(evidence_q(request.user)).distinct()


