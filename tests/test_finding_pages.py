"""The inspector's and the office's pages, through the test client."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections.models import Evidence, Finding, Visit
from tests.factories import FindingFactory, HallFactory, StaffFactory, category, jpeg_bytes, upload


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db
class TestInspectorJourney:
    def test_hall_search_offers_only_halls_in_scope(self, client, inspector, own_hall, other_hall):
        client.force_login(inspector)
        page = client.get(reverse("hall_options"), {"q": "政务"}).content.decode()
        assert own_hall.name in page and other_hall.name not in page

    def test_start_a_visit(self, client, inspector, own_hall, taxonomy):
        client.force_login(inspector)
        assert client.get(reverse("visit_create")).status_code == 200
        response = client.post(reverse("visit_create"), {
            "hall": own_hall.pk, "mode": "undercover", "started_at": _local(timezone.now()),
            "team_name": "第二暗访组",
        })
        visit = Visit.objects.get()
        assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
        assert list(visit.inspectors.all()) == [inspector] and visit.mode == "undercover"

    def test_a_hall_outside_the_scope_is_refused(self, client, inspector, other_hall, taxonomy):
        client.force_login(inspector)
        response = client.post(reverse("visit_create"), {
            "hall": other_hall.pk, "mode": "open", "started_at": _local(timezone.now()),
        })
        assert "所选大厅不在您的督查范围内" in response.content.decode()
        assert not Visit.objects.exists()

    def test_category_picks_its_fact_fields(self, client, inspector, undercover_visit):
        client.force_login(inspector)
        fragment = client.get(
            reverse("finding_facts"), {"hall": undercover_visit.hall_id, "category": category("C02").pk}
        ).content.decode()
        assert 'name="fact_minutes_off_post"' in fragment and 'name="fact_people_waiting"' in fragment
        fragment = client.get(
            reverse("finding_facts"), {"hall": undercover_visit.hall_id, "category": category("D04").pk}
        ).content.decode()
        assert 'name="fact_intermediaries"' in fragment and "minutes_off_post" not in fragment

    def _post(self, client, visit, **overrides):
        data = {
            "category": category("C02").pk,
            "observed_at": _local(visit.started_at + datetime.timedelta(minutes=10)),
            "window": visit.hall.windows.first().pk, "severity": "serious",
            "description": "工作人员离岗，群众等候。", "fact_minutes_off_post": "27",
            "fact_people_waiting": "3", "files": [upload("现场.jpg", jpeg_bytes())], "submit": "1",
        }
        return client.post(reverse("finding_create", args=[visit.pk]), data | overrides)

    def test_record_a_finding_with_a_photo_and_submit_it(self, client, inspector, undercover_visit):
        client.force_login(inspector)
        response = self._post(client, undercover_visit)
        assert response.status_code == 302
        finding = Finding.objects.get()
        assert finding.status == "submitted" and finding.facts == {"minutes_off_post": 27, "people_waiting": 3}
        assert finding.evidence.count() == 1

    def test_negative_minutes_are_refused_on_the_form(self, client, inspector, undercover_visit):
        client.force_login(inspector)
        response = self._post(client, undercover_visit, fact_minutes_off_post="-3")
        assert response.status_code == 200
        assert "不能为负数" in response.content.decode()
        assert not Finding.objects.exists() and not Evidence.objects.exists()

    def test_a_disguised_file_is_refused_and_nothing_saved(self, client, inspector, undercover_visit):
        client.force_login(inspector)
        response = self._post(client, undercover_visit, files=[upload("x.jpg", b"GIF89a-not-allowed")])
        assert "不是允许的文件类型" in response.content.decode()
        assert not Finding.objects.exists()

    def test_staff_of_another_hall_is_refused(self, client, inspector, undercover_visit, other_hall):
        client.force_login(inspector)
        response = self._post(client, undercover_visit, staff=StaffFactory(hall=other_hall).pk)
        assert response.status_code == 200 and not Finding.objects.exists()

    def test_end_the_visit(self, client, inspector, undercover_visit):
        client.force_login(inspector)
        client.post(reverse("visit_end", args=[undercover_visit.pk]))
        undercover_visit.refresh_from_db()
        assert undercover_visit.ended_at is not None


@pytest.mark.django_db
class TestOfficeReview:
    def test_queue_lists_submitted_findings(self, client, office, findings):
        client.force_login(office)
        queued = {f.pk for f in client.get(reverse("review_queue")).context["page"]}
        assert queued == {findings["undercover"].pk, findings["self"].pk}

    def test_confirm_from_the_queue(self, client, office, findings):
        client.force_login(office)
        response = client.post(reverse("finding_confirm", args=[findings["undercover"].pk]), {"next": "review"})
        assert response["Location"] == reverse("review_queue")
        findings["undercover"].refresh_from_db()
        assert findings["undercover"].status == "confirmed"

    def test_reject_needs_a_reason(self, client, office, findings):
        client.force_login(office)
        url = reverse("finding_reject", args=[findings["undercover"].pk])
        assert "请写明不予认定的理由" in client.post(url, {"reason": ""}).content.decode()
        client.post(url, {"reason": "照片无法辨认窗口号"})
        findings["undercover"].refresh_from_db()
        assert findings["undercover"].status == "rejected"

    def test_confirming_twice_says_why_not(self, client, office, findings):
        client.force_login(office)
        url = reverse("finding_confirm", args=[findings["undercover"].pk])
        client.post(url)
        response = client.post(url, follow=True)
        assert "不能改为" in response.content.decode()

    def test_office_edits_before_confirming(self, client, office, findings):
        client.force_login(office)
        finding = findings["undercover"]
        response = client.post(reverse("finding_edit", args=[finding.pk]), {
            "category": finding.category_id, "observed_at": _local(finding.observed_at),
            "severity": "severe", "description": "修改后的描述", "fact_minutes_off_post": "30",
        })
        assert response.status_code == 302
        finding.refresh_from_db()
        assert finding.severity == "severe" and finding.facts["minutes_off_post"] == 30
        page = client.get(finding.get_absolute_url()).content.decode()
        assert "变更记录" in page and "修改后的描述" in page


@pytest.mark.django_db
class TestFindingsList:
    def _shown(self, client, **params):
        return {f.pk for f in client.get(reverse("finding_list"), params).context["page"]}

    @pytest.mark.parametrize("page", ["99999999999999999999", "-3", "abc", str(2**40)])
    def test_any_page_number_gets_a_page_not_an_error(self, client, office, findings, page):
        client.force_login(office)
        for name in ("finding_list", "ledger", "review_queue"):
            response = client.get(reverse(name), {"page": page})
            assert response.status_code in (200, 403), (name, page, response.status_code)
        assert client.get(reverse("finding_list"), {"page": page}).status_code == 200

    def test_filters(self, client, office, findings, undercover_visit):
        client.force_login(office)
        other = FindingFactory(visit=undercover_visit, status="submitted", category=category("D04"),
                               description="大厅内有中介公开揽活", facts={"intermediaries": 3})
        from inspections.models import ProblemCategory

        cls = ProblemCategory.objects.get(code="D")
        assert self._shown(client, category=cls.pk) == {other.pk}
        assert self._shown(client, q="中介") == {other.pk}
        assert self._shown(client, mode="open") == {findings["open"].pk}
        assert self._shown(client, source="self_inspection") == {findings["self"].pk}
        today = timezone.localdate()
        assert findings["undercover"].pk in self._shown(client, date_from=today - datetime.timedelta(days=1))
        assert self._shown(client, date_to=today - datetime.timedelta(days=3)) == set()

    def test_sorting(self, client, office, findings):
        client.force_login(office)
        rows = list(client.get(reverse("finding_list"), {"order": "category"}).context["page"])
        codes = [f.category.code for f in rows]
        assert codes == sorted(codes)

    def test_query_count_is_flat_from_10_to_5000_findings(self, client, office, undercover_visit):
        client.force_login(office)
        hall = undercover_visit.hall

        def bulk(n):
            Finding.objects.bulk_create(
                Finding(visit=undercover_visit, hall=hall, source="undercover", undercover=True,
                        category=category("C04"), observed_at=undercover_visit.started_at,
                        description=f"玩手机{i}", facts={"activity": "phone"},
                        created_by=undercover_visit.created_by, status="submitted")
                for i in range(n)
            )

        def queries(**params):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse("finding_list"), params).status_code == 200
            return len(ctx.captured_queries)

        bulk(10)
        small = queries()
        bulk(4990)
        assert queries() == small
        assert queries(page=50) == small
        assert client.get(reverse("finding_list")).context["page"].count == 5000


@pytest.mark.django_db
class TestEvidenceFiles:
    @pytest.fixture
    def photo(self, undercover_visit, inspector):
        from inspections import services

        finding = services.finding_record(
            actor=inspector, visit=undercover_visit,
            values={"category": category("A01"), "observed_at": undercover_visit.started_at,
                    "description": "着装不规范"},
            facts_raw={}, files=[upload('..\\..\\etc/"passwd"<x>.jpg', jpeg_bytes())],
        )
        return finding.evidence.get()

    def test_download_is_an_attachment_with_a_safe_name(self, client, inspector, photo):
        client.force_login(inspector)
        response = client.get(reverse("evidence_download", args=[photo.pk]))
        assert response.status_code == 200
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "/" not in disposition and ".." not in disposition and "<" not in disposition
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content) == jpeg_bytes()

    def test_thumbnail_is_a_small_jpeg(self, client, inspector, photo):
        client.force_login(inspector)
        response = client.get(reverse("evidence_thumbnail", args=[photo.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"

    def test_out_of_scope_download_is_not_found(self, client, hall_manager, photo):
        client.force_login(hall_manager)
        assert client.get(reverse("evidence_download", args=[photo.pk])).status_code == 404


@pytest.mark.django_db
def test_evidence_is_not_reachable_under_media(client, inspector):
    client.force_login(inspector)
    assert client.get("/media/evidence/").status_code == 404


@pytest.mark.django_db
def test_inspectors_cannot_start_a_visit_in_an_inactive_hall(client, inspector, regions, taxonomy):
    hall = HallFactory(region=regions["county_a"], active=False)
    client.force_login(inspector)
    client.post(reverse("visit_create"), {"hall": hall.pk, "mode": "open", "started_at": _local(timezone.now())})
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_sort_headers_toggle_and_keep_the_filters(client, office, findings):
    client.force_login(office)
    page = client.get(reverse("finding_list"), {"status": "submitted", "order": "category"}).content.decode()
    assert "?status=submitted&amp;order=-category" in page  # a second click reverses
    import re

    links = re.findall(r'<a href="\?([^"]*)" class="sort">', page)
    assert links and all(link.count("order=") == 1 for link in links)  # never piled up


@pytest.mark.django_db
def test_every_problem_of_a_finding_form_is_reported_at_once(client, inspector, undercover_visit):
    client.force_login(inspector)
    response = client.post(reverse("finding_create", args=[undercover_visit.pk]), {
        "category": category("C02").pk, "severity": "general", "description": "",
        "observed_at": _local(timezone.now() + datetime.timedelta(hours=2)), "fact_minutes_off_post": "-3",
    })
    page = response.content.decode()
    assert "这个字段是必填项" in page and "不能为负数" in page and "发现时间不能晚于现在" in page


@pytest.mark.django_db
def test_the_window_brings_its_department(inspector, undercover_visit):
    from inspections import services

    window = undercover_visit.hall.windows.first()
    finding = services.finding_record(
        actor=inspector, visit=undercover_visit, facts_raw={"minutes_off_post": 5},
        values={"category": category("C02"), "observed_at": undercover_visit.started_at, "window": window,
                "description": "离岗"},
    )
    assert finding.department == window.department


@pytest.mark.django_db
def test_a_finding_after_the_visit_ended_defaults_to_the_end_time(client, inspector, undercover_visit):
    undercover_visit.ended_at = undercover_visit.started_at + datetime.timedelta(minutes=40)
    undercover_visit.save()
    client.force_login(inspector)
    form = client.get(reverse("finding_create", args=[undercover_visit.pk])).context["form"]
    end = timezone.localtime(undercover_visit.ended_at).replace(second=0, microsecond=0)
    assert form.fields["observed_at"].initial == end


@pytest.mark.django_db
def test_a_duplicate_window_number_is_reported_on_the_number_field(client, hall_manager, own_hall):
    client.force_login(hall_manager)
    response = client.post(reverse("window_create", args=[own_hall.pk]), {"number": 10, "kind": "general"})
    assert "number" in response.context["form"].errors
    response = client.post(reverse("window_create", args=[own_hall.pk]), {"number": 0, "kind": "general"})
    assert "number" in response.context["form"].errors
