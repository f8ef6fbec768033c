"""Campaigns (专项整治行动): the list everyone with business records reads, and the office's
pages to open and change them. Visits pick them on their own page (views.findings.visit_create)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.forms import add_errors
from core.history import history_entries
from core.permissions import action
from inspections import selectors, services
from inspections.forms import CampaignForm


@action("campaign.view")
def campaign_list(request):
    page = Paginator(selectors.campaign_list(user=request.user), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for campaign in page:
        campaign.can_edit = request.user.has_perm("campaign.edit", campaign)
        campaign.phase = (_("未开始") if campaign.start_date > today
                          else _("已结束") if campaign.end_date < today else _("进行中"))
    return render(request, "inspections/campaign_list.html", {
        "page": page, "query": "", "may_add": request.user.has_perm("campaign.add"),
    })


@action("campaign.add")
def campaign_create(request):
    return _campaign_form(request, None)


@action("campaign.edit", load=selectors.campaign_for_user)
def campaign_edit(request, campaign):
    return _campaign_form(request, campaign)


def _campaign_form(request, campaign):
    # The heading names the campaign as stored, whatever the form was sent.
    stored_name = campaign.name if campaign else None
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    if request.method == "POST" and form.is_valid():
        if campaign is not None and not form.has_changed():
            messages.info(request, _("没有需要保存的修改。"))
            return redirect("campaign_list")
        try:
            saved = services.campaign_save(
                actor=request.user, campaign=form.instance, regions=form.cleaned_data["regions"],
                focus_categories=form.cleaned_data["focus_categories"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("已保存专项整治行动：%(name)s。") % {"name": saved.name})
            return redirect("campaign_list")
    return render(request, "inspections/campaign_form.html", {
        "form": form, "stored_name": stored_name,
        "history": history_entries(campaign, excluded=["created_by"]) if campaign else [],
    })
