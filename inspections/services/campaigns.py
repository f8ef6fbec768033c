"""Campaigns (专项整治行动): opened and changed by a discipline office, for regions within its own.

A campaign is an issued document — 发文机关, 文号, a period, the regions it covers — so it is the
office's to open (``campaign.add``) and to change while it covers every region of it
(``campaign.edit``). Inspectors work within campaigns: a visit may belong to one that covers its
hall (``findings.visit_start``).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.permissions import require
from inspections.models import Campaign, Visit
from registry.models import Region


def validate_campaign(*, actor, campaign: Campaign, regions) -> None:
    """Every problem with a campaign as it would be saved, by field, in one ValidationError.

    ``campaign`` carries the new values (its pk, when it is being changed); ``regions`` are the
    regions it is to cover. The forms call this too, so that a page says what the service would.
    """
    regions = list(regions)
    errors: dict[str, list[str]] = {}

    def refuse(field, message):
        errors.setdefault(field, []).append(message)

    own = actor.region.path if actor.region_id else None
    if not regions:
        refuse("regions", _("请至少选择一个覆盖区划。"))
    outside = [region for region in regions if own is None or not region.path.startswith(own)]
    if outside:
        refuse("regions", _("覆盖区划超出您的管辖范围：%(regions)s。")
               % {"regions": "、".join(region.full_name for region in outside)})
    if campaign.start_date and campaign.end_date and campaign.end_date < campaign.start_date:
        refuse("end_date", _("结束日期不能早于开始日期。"))
    others = Campaign.objects.exclude(pk=campaign.pk) if campaign.pk else Campaign.objects.all()
    doc_number = (campaign.doc_number or "").strip()
    if doc_number and others.filter(doc_number=doc_number).exists():
        refuse("doc_number", _("已有专项整治行动使用这个文号。"))
    if campaign.name and campaign.issuer and campaign.start_date and campaign.end_date and others.filter(
        name=campaign.name.strip(), issuer=campaign.issuer.strip(),
        start_date__lte=campaign.end_date, end_date__gte=campaign.start_date,
    ).exists():
        refuse("name", _("该发文机关在这段时间内已有同名的专项整治行动。"))
    if campaign.pk and regions and not outside:
        stranded = _visits_left_outside(campaign, regions)
        if stranded:
            # Named only where the office may know of visits (its own region): elsewhere, even
            # that an undercover visit took place is not the office's to learn here.
            named = [name for name, path in stranded if path.startswith(own)]
            refuse("regions", _("已有走访属于本行动的单位不在所选覆盖区划内：%(halls)s。")
                   % {"halls": "、".join(named)} if named else _("已有走访属于本行动的单位不在所选覆盖区划内。"))
    if errors:
        raise ValidationError(errors)


def _visits_left_outside(campaign: Campaign, regions: list[Region]) -> list[tuple[str, str]]:
    """(name, region path) of the halls of the campaign's visits the new regions would not cover."""
    halls = Visit.objects.filter(campaign=campaign).values_list("hall__name", "hall__region__path").distinct()
    return sorted((name, path) for name, path in set(halls) if not any(path.startswith(r.path) for r in regions))


@transaction.atomic
def campaign_save(*, actor, campaign: Campaign, regions, focus_categories=None) -> Campaign:
    """Open a campaign (no pk yet) or change one, with its regions and focus, and its history.

    ``focus_categories`` None leaves the focus as it is.
    """
    regions = list(regions)
    if campaign.pk is None:
        require(actor, "campaign.add")
        campaign.created_by = actor
    else:
        # Asked of the campaign as stored: its regions are not changed yet.
        require(actor, "campaign.edit", Campaign.objects.get(pk=campaign.pk))
    campaign.name, campaign.issuer = campaign.name.strip(), campaign.issuer.strip()
    campaign.doc_number = (campaign.doc_number or "").strip()
    validate_campaign(actor=actor, campaign=campaign, regions=regions)
    campaign.full_clean()
    campaign._history_user = actor
    campaign.save()
    campaign.regions.set(regions)
    if focus_categories is not None:
        campaign.focus_categories.set(list(focus_categories))
    return campaign
