"""Campaigns (专项整治行动) on the app's own screens.

Decided: a campaign is a document an office issues, so the discipline office opens it for
regions within its own and changes those it covers; inspectors do not open campaigns — they
choose one that covers the hall when they start a visit (or none). Everyone with business
records reads the campaigns that reach where they work.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from inspections import scope, services
from inspections.forms import VisitForm
from inspections.models import Campaign, ProblemCategory, Visit
from registry.models import Role
from tests.factories import HallFactory, RegionFactory, UserFactory, VisitFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
OUTSIDE = "覆盖区划超出您的管辖范围"
DOC_TAKEN = "已有专项整治行动使用这个文号。"
NAME_TAKEN = "该发文机关在这段时间内已有同名的专项整治行动。"


def _campaign(name="窗口作风专项整治行动", issuer="佳木斯市作风整顿办", doc_number="", start=TODAY, days=60):
    return Campaign(name=name, issuer=issuer, doc_number=doc_number, start_date=start, end_date=start + days * DAY)


def _open(actor, regions, **fields):
    return services.campaign_save(actor=actor, campaign=_campaign(**fields), regions=regions)


def _form(regions, **overrides):
    return {"name": "窗口作风专项整治行动", "issuer": "佳木斯市作风整顿办", "doc_number": "佳作整办〔2026〕7号",
            "start_date": TODAY.isoformat(), "end_date": (TODAY + 60 * DAY).isoformat(),
            "regions": [r.pk for r in regions], "notes": ""} | overrides


@pytest.fixture
def province_office(regions):
    return UserFactory(username="office_p", role=Role.OFFICE, region=regions["province"])


@pytest.fixture
def office_b(regions):
    return UserFactory(username="office_b", role=Role.OFFICE, region=regions["city_b"])


@pytest.mark.django_db
class TestOpeningAndChanging:
    def test_the_office_opens_a_campaign_for_its_region_with_its_history(self, office, regions, taxonomy):
        focus = ProblemCategory.objects.filter(code__in=["A", "C"])
        campaign = services.campaign_save(actor=office, campaign=_campaign(name=" 窗口作风专项整治行动 "),
                                          regions=[regions["city_a"]], focus_categories=focus)
        assert campaign.created_by == office and campaign.name == "窗口作风专项整治行动"
        assert set(campaign.regions.all()) == {regions["city_a"]} and set(campaign.focus_categories.all()) == set(focus)
        latest = campaign.history.latest("history_id")
        assert [row.region_id for row in latest.regions.all()] == [regions["city_a"].pk]
        assert {h.history_user for h in campaign.history.all()} == {office}

    def test_a_region_outside_the_office_is_refused_and_nothing_is_saved(self, office, regions):
        with pytest.raises(ValidationError) as refused:
            _open(office, [regions["county_a"], regions["county_b"]])
        assert list(refused.value.message_dict) == ["regions"]
        assert OUTSIDE in refused.value.messages[0] and "海林市" in refused.value.messages[0]
        assert not Campaign.objects.exists()

    def test_a_campaign_covers_at_least_one_region(self, office):
        with pytest.raises(ValidationError, match="请至少选择一个覆盖区划"):
            _open(office, [])
        assert not Campaign.objects.exists()

    def test_it_cannot_end_before_it_starts(self, office, regions):
        with pytest.raises(ValidationError) as refused:
            _open(office, [regions["city_a"]], days=-1)
        assert refused.value.message_dict == {"end_date": ["结束日期不能早于开始日期。"]}

    def test_one_document_number_launches_one_campaign(self, office, office_b, regions):
        _open(office_b, [regions["city_b"]], issuer="牡丹江市作风办", doc_number="牡作整办〔2026〕2号")
        with pytest.raises(ValidationError) as refused:
            _open(office, [regions["city_a"]], doc_number=" 牡作整办〔2026〕2号 ")
        assert refused.value.message_dict == {"doc_number": [DOC_TAKEN]}
        _open(office, [regions["city_a"]], name="另一个行动")  # no number: as many as need be
        _open(office, [regions["county_a"]], name="第三个行动")
        with pytest.raises(IntegrityError), transaction.atomic():
            Campaign.objects.create(name="x", issuer="y", doc_number="牡作整办〔2026〕2号", start_date=TODAY,
                                    end_date=TODAY)

    def test_the_same_issuer_does_not_run_two_campaigns_of_one_name_at_once(self, office, regions):
        _open(office, [regions["city_a"]])
        with pytest.raises(ValidationError) as refused:
            _open(office, [regions["county_a"]], start=TODAY + 30 * DAY)
        assert refused.value.message_dict == {"name": [NAME_TAKEN]}
        _open(office, [regions["city_a"]], start=TODAY + 61 * DAY)  # the next round
        _open(office, [regions["city_a"]], issuer="汤原县作风办")  # another issuer's
        assert Campaign.objects.count() == 3

    @pytest.mark.parametrize("persona", ["inspector", "hall_manager", "auditor", "sysadmin"])
    def test_only_an_office_opens_a_campaign(self, request, persona, regions):
        with pytest.raises(PermissionDenied):
            _open(request.getfixturevalue(persona), [regions["city_a"]])
        assert not Campaign.objects.exists()

    def test_an_office_changes_the_campaigns_it_covers(self, office, province_office, regions):
        provincial = _open(province_office, [regions["province"]], issuer="省作风办")
        local = _open(office, [regions["city_a"]])
        provincial.notes = "改"
        with pytest.raises(PermissionDenied):
            services.campaign_save(actor=office, campaign=provincial, regions=[regions["city_a"]])
        provincial.refresh_from_db()
        assert provincial.notes == "" and set(provincial.regions.all()) == {regions["province"]}
        local.end_date += 10 * DAY
        services.campaign_save(actor=province_office, campaign=local, regions=[regions["city_a"], regions["city_b"]])
        assert set(local.regions.all()) == {regions["city_a"], regions["city_b"]}
        assert local.history.latest("history_id").history_user == province_office

    def test_narrowing_it_may_not_leave_its_visits_outside(self, office, regions, inspector):
        campaign = _open(office, [regions["city_a"]])
        hall = HallFactory(region=regions["county_a"], name="汤原县政务服务中心")
        services.visit_start(actor=inspector, hall=hall, mode="open", campaign=campaign)
        other_county = RegionFactory(code="230822", name="桦南县", level="county", parent=regions["city_a"])
        with pytest.raises(ValidationError) as refused:
            services.campaign_save(actor=office, campaign=campaign, regions=[other_county])
        assert "汤原县政务服务中心" in refused.value.message_dict["regions"][0]
        assert set(Campaign.objects.get(pk=campaign.pk).regions.all()) == {regions["city_a"]}
        services.campaign_save(actor=office, campaign=campaign, regions=[regions["county_a"], other_county])


@pytest.mark.django_db
class TestWhoSeesWhich:
    @pytest.fixture
    def campaigns(self, office, office_b, province_office, regions):
        return {
            "province": _open(province_office, [regions["province"]], name="全省行动", issuer="省作风办"),
            "city_a": _open(office, [regions["city_a"]], name="佳木斯行动"),
            "county_a": _open(office, [regions["county_a"]], name="汤原行动"),
            "city_b": _open(office_b, [regions["city_b"]], name="牡丹江行动", issuer="牡丹江市作风办"),
            "both": _open(province_office, [regions["county_a"], regions["county_b"], regions["city_a"]],
                          name="两市行动", issuer="省作风办"),
        }

    def _names(self, user):
        return sorted(scope.campaigns_visible_to(user).values_list("name", flat=True))

    def test_a_city_sees_its_own_those_above_and_those_below(self, office, campaigns):
        assert self._names(office) == sorted(["全省行动", "佳木斯行动", "汤原行动", "两市行动"])

    def test_a_county_sees_those_that_reach_it_not_another_citys(self, regions, campaigns):
        county = UserFactory(role=Role.INSPECTOR, region=regions["county_b"], is_staff=False)
        assert self._names(county) == sorted(["全省行动", "两市行动", "牡丹江行动"])

    def test_a_hall_manager_sees_those_that_cover_their_hall(self, hall_manager, campaigns):
        assert self._names(hall_manager) == sorted(["全省行动", "佳木斯行动", "汤原行动", "两市行动"])

    def test_the_administrators_see_none(self, sysadmin, campaigns):
        assert self._names(sysadmin) == [] and not sysadmin.has_perm("campaign.view")

    def test_a_campaign_of_several_regions_is_listed_once(self, client, office, campaigns):
        client.force_login(office)
        names = [c.name for c in client.get(reverse("campaign_list")).context["page"]]
        assert names.count("两市行动") == 1 and "牡丹江行动" not in names

    def test_out_of_sight_is_not_found_and_in_sight_but_not_covered_is_refused(self, client, office, campaigns):
        client.force_login(office)
        assert client.get(reverse("campaign_edit", args=[campaigns["city_b"].pk])).status_code == 404
        response = client.post(reverse("campaign_edit", args=[campaigns["province"].pk]),
                               _form([campaigns["province"].regions.get()], notes="改"))
        assert response.status_code == 403
        assert Campaign.objects.get(pk=campaigns["province"].pk).notes == ""

    def test_the_admin_lists_what_the_page_lists(self, client, office_b, campaigns):
        client.force_login(office_b)
        listed = client.get(reverse("admin:inspections_campaign_changelist")).context["cl"].queryset
        assert sorted(c.name for c in listed) == sorted(["全省行动", "牡丹江行动", "两市行动"])


@pytest.mark.django_db
class TestVisits:
    def test_the_visit_form_offers_running_campaigns_that_reach_the_inspector(self, inspector, office, office_b,
                                                                              regions):
        running = _open(office, [regions["city_a"]], name="进行中")
        _open(office, [regions["city_a"]], name="已结束", start=TODAY - 30 * DAY, days=10)
        _open(office_b, [regions["city_b"]], name="牡丹江", issuer="牡丹江市作风办")
        assert list(VisitForm(user=inspector).fields["campaign"].queryset) == [running]

    def test_a_campaign_that_does_not_cover_the_hall_is_refused(self, inspector, office, regions, own_hall):
        other_county = RegionFactory(code="230822", name="桦南县", level="county", parent=regions["city_a"])
        elsewhere = _open(office, [other_county], name="桦南行动")
        with pytest.raises(ValidationError) as refused:
            services.visit_start(actor=inspector, hall=own_hall, mode="undercover", campaign=elsewhere)
        assert refused.value.message_dict == {"campaign": ["所选专项整治行动不覆盖该单位所在区划。"]}
        assert not Visit.objects.exists()
        covering = _open(office, [regions["county_a"]], name="汤原行动")
        assert services.visit_start(actor=inspector, hall=own_hall, mode="undercover", campaign=covering).campaign == covering

    def test_the_page_says_so_on_the_campaign_field(self, client, inspector, office, regions, own_hall):
        other_county = RegionFactory(code="230822", name="桦南县", level="county", parent=regions["city_a"])
        elsewhere = _open(office, [other_county], name="桦南行动")
        client.force_login(inspector)
        response = client.post(reverse("visit_create"), {
            "hall": own_hall.pk, "mode": "undercover", "campaign": elsewhere.pk, "team_name": "暗访组",
            "started_at": timezone.localtime(timezone.now() - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        })
        assert response.status_code == 200
        assert response.context["form"].errors == {"campaign": ["所选专项整治行动不覆盖该单位所在区划。"]}
        assert not Visit.objects.exists()


@pytest.mark.django_db
class TestPages:
    def test_the_office_opens_a_campaign_on_its_page(self, client, office, regions, taxonomy):
        client.force_login(office)
        class_c = ProblemCategory.objects.get(code="C")
        response = client.post(reverse("campaign_create"), _form([regions["city_a"]], focus_categories=[class_c.pk]))
        assert response.status_code == 302 and response["Location"] == reverse("campaign_list")
        campaign = Campaign.objects.get()
        assert campaign.doc_number == "佳作整办〔2026〕7号" and campaign.created_by == office
        assert list(campaign.focus_categories.all()) == [class_c]
        assert "窗口作风专项整治行动" in client.get(reverse("campaign_list")).content.decode()

    def test_the_form_offers_the_offices_regions_above_the_townships_and_the_taxonomy_classes(
        self, client, office, regions, taxonomy
    ):
        township = RegionFactory(code="230828100000", name="汤原镇", level="township", parent=regions["county_a"])
        office.organisation = "佳木斯市作风整顿办"
        office.save()
        client.force_login(office)
        form = client.get(reverse("campaign_create")).context["form"]
        offered = set(form.fields["regions"].queryset)
        assert {regions["city_a"], regions["county_a"]} == offered and township not in offered
        assert form.initial["issuer"] == "佳木斯市作风整顿办" and form.initial["regions"] == [regions["city_a"].pk]
        assert set(form.fields["focus_categories"].queryset) == set(ProblemCategory.objects.filter(
            Q(parent__isnull=True)))

    def test_a_region_outside_is_a_chinese_error_and_nothing_is_saved(self, client, office, regions):
        client.force_login(office)
        response = client.post(reverse("campaign_create"), _form([regions["city_a"], regions["county_b"]]))
        assert response.status_code == 200
        assert response.context["form"].errors == {"regions": ["所选区划不在您的管辖范围内。"]}
        assert not Campaign.objects.exists()

    def test_every_problem_is_said_on_its_field_at_once(self, client, office, office_b, regions):
        _open(office_b, [regions["city_b"]], issuer="牡丹江市作风办", doc_number="牡作整办〔2026〕2号")
        _open(office, [regions["city_a"]])
        client.force_login(office)
        response = client.post(reverse("campaign_create"), _form(
            [regions["county_a"]], doc_number="牡作整办〔2026〕2号", end_date=(TODAY - DAY).isoformat()))
        errors = response.context["form"].errors
        assert errors == {"doc_number": [DOC_TAKEN], "end_date": ["结束日期不能早于开始日期。"]}
        response = client.post(reverse("campaign_create"), _form([regions["county_a"]], doc_number=""))
        assert response.context["form"].errors == {"name": [NAME_TAKEN]}
        response = client.post(reverse("campaign_create"), _form([], name=""))
        assert set(response.context["form"].errors) == {"name", "regions"}
        assert Campaign.objects.count() == 2

    def test_the_office_edits_it_and_sees_who_changed_what(self, client, office, regions):
        campaign = _open(office, [regions["city_a"]])
        client.force_login(office)
        url = reverse("campaign_edit", args=[campaign.pk])
        assert client.post(url, _form([regions["city_a"]], doc_number="", notes="延长")).status_code == 302
        campaign.refresh_from_db()
        assert campaign.notes == "延长"
        response = client.get(url)
        latest = response.context["history"][-1]
        assert latest["who"] == str(office)
        assert {"field": "说明", "old": "—", "new": "延长"} in [{k: str(v) for k, v in c.items()} for c in latest["changes"]]
        assert "修改记录" in response.content.decode() and "— → 延长" in response.content.decode()

    def test_buttons_and_links_follow_the_policy(self, client, office, province_office, inspector, regions):
        provincial = _open(province_office, [regions["province"]], name="全省行动", issuer="省作风办")
        local = _open(office, [regions["city_a"]], name="佳木斯行动")
        client.force_login(office)
        page = client.get(reverse("campaign_list")).content.decode()
        assert "新建专项行动" in page and reverse("campaign_edit", args=[local.pk]) in page
        assert reverse("campaign_edit", args=[provincial.pk]) not in page
        client.force_login(inspector)
        page = client.get(reverse("campaign_list")).content.decode()
        assert "新建专项行动" not in page and "全省行动" in page and "由作风办发起" in page
        assert reverse("campaign_edit", args=[local.pk]) not in page
        assert client.get(reverse("campaign_create")).status_code == 403

    def test_the_phase_is_counted_from_today(self, client, office, regions):
        _open(office, [regions["city_a"]], name="未开始的", start=TODAY + DAY)
        _open(office, [regions["city_a"]], name="进行中的", start=TODAY - DAY)
        _open(office, [regions["city_a"]], name="已结束的", start=TODAY - 10 * DAY, days=5)
        client.force_login(office)
        phases = {c.name: str(c.phase) for c in client.get(reverse("campaign_list")).context["page"]}
        assert phases == {"未开始的": "未开始", "进行中的": "进行中", "已结束的": "已结束"}

    def test_the_list_query_count_does_not_grow(self, client, office, regions, django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse("campaign_list")).status_code == 200
            return len(ctx.captured_queries)

        client.force_login(office)
        for n in range(3):
            _open(office, [regions["city_a"], regions["county_a"]], name=f"行动{n}")
        few = count()
        for n in range(3, 30):
            _open(office, [regions["city_a"], regions["county_a"]], name=f"行动{n}")
        assert count() == few
        with django_assert_max_num_queries(12):
            client.get(reverse("campaign_list"))


@pytest.mark.django_db
def test_the_admin_saves_through_the_service(client, office, regions):
    client.force_login(office)
    data = {"name": "后台开的行动", "issuer": "作风办", "doc_number": "", "start_date": TODAY.isoformat(),
            "end_date": TODAY.isoformat(), "regions": [regions["county_b"].pk], "notes": ""}
    response = client.post(reverse("admin:inspections_campaign_add"), data)
    assert response.status_code == 200 and not Campaign.objects.exists()  # not among the choices
    response = client.post(reverse("admin:inspections_campaign_add"), data | {"regions": [regions["county_a"].pk]})
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.created_by == office and campaign.history.latest("history_id").history_user == office


@pytest.mark.django_db
def test_an_ended_campaign_keeps_its_visits(inspector, office, regions, own_hall):
    campaign = _open(office, [regions["city_a"]], start=TODAY - 30 * DAY, days=10)
    visit = VisitFactory(hall=own_hall, campaign=campaign, created_by=inspector, inspectors=[inspector])
    assert visit.campaign == campaign and campaign.covers(own_hall)
