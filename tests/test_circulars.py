"""Circulars: numbering, publishing in one transaction, the page that reads like the notice."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from circulars import services as circular_services
from circulars.models import Circular
from inspections import scope
from inspections.models import Finding
from tests.factories import FindingFactory, category


@pytest.fixture
def confirmed(undercover_visit, open_visit):
    return [
        FindingFactory(visit=undercover_visit, status="confirmed", category=category("C02")),
        FindingFactory(visit=undercover_visit, status="confirmed", category=category("A02"), facts={}),
        FindingFactory(visit=open_visit, status="confirmed", category=category("D04"), facts={"intermediaries": 3}),
    ]


def _draft(office, regions, findings, **overrides):
    values = {
        "issuer": "佳木斯市深化机关作风整顿领导小组办公室", "issuer_code": "佳作整办", "year": 2026,
        "region": regions["city_a"], "title": "关于窗口服务明察暗访情况的通报",
        "date": datetime.date(2026, 11, 21), "lead": "近日，市作风办对全市政务服务窗口进行了明察暗访。",
        "requirements": "各单位要立即自查自纠。", "naming": Circular.Naming.SURNAME,
    } | overrides
    return circular_services.circular_save(actor=office, values=values, findings=findings)


@pytest.mark.django_db
class TestNumbering:
    def test_a_draft_has_no_number_until_it_is_published(self, office, regions, confirmed):
        first = _draft(office, regions, confirmed[:1])
        second = _draft(office, regions, confirmed[1:2])
        assert first.doc_number is None and first.number_text == "（发布时编号）"
        assert circular_services.next_serial("佳作整办", 2026) == 1  # drafts take no number
        circular_services.circular_publish(actor=office, circular=second)
        circular_services.circular_publish(actor=office, circular=first)
        second.refresh_from_db()
        first.refresh_from_db()
        assert (second.doc_number, first.doc_number) == ("佳作整办〔2026〕1号", "佳作整办〔2026〕2号")
        assert circular_services.next_serial("佳作整办", 2027) == 1

    def test_a_paper_circular_keeps_its_own_number_and_the_next_one_follows_it(self, office, regions, confirmed):
        paper = _draft(office, regions, confirmed[:1], serial=7)
        assert paper.doc_number == "佳作整办〔2026〕7号"
        later = _draft(office, regions, confirmed[1:2])
        circular_services.circular_publish(actor=office, circular=later)
        later.refresh_from_db()
        assert later.doc_number == "佳作整办〔2026〕8号"

    def test_a_number_is_used_once(self, office, regions, confirmed):
        _draft(office, regions, confirmed[:1], serial=7)
        with pytest.raises(ValidationError, match="已有这个序号"):
            _draft(office, regions, confirmed[1:2], serial=7)
        with pytest.raises(IntegrityError), transaction.atomic():
            Circular.objects.create(issuer="x", issuer_code="佳作整办", year=2026, serial=7,
                                    region=regions["city_a"], title="x", date=datetime.date(2026, 1, 1),
                                    created_by=office)


@pytest.mark.django_db
class TestPublishing:
    def test_publishing_lifts_the_embargo_and_opens_the_ledger(self, office, hall_manager, regions, confirmed):
        from rectification.services import item_create

        prepared = item_create(actor=office, findings=[confirmed[0]])
        assert prepared.status == "prepared"
        circular = _draft(office, regions, confirmed)
        assert not scope.findings_visible_to(hall_manager).filter(pk=confirmed[0].pk).exists()

        circular_services.circular_publish(actor=office, circular=circular)

        for finding in confirmed:
            finding.refresh_from_db()
            assert finding.status == Finding.Status.PUBLISHED
            assert scope.findings_visible_to(hall_manager).filter(pk=finding.pk).exists()
            item = finding.rectification_items.get()
            assert item.status == "assigned" and item.deadline is not None
        prepared.refresh_from_db()
        assert prepared.status == "assigned"
        circular.refresh_from_db()
        assert circular.status == "published" and circular.published_by == office

    def test_a_failure_half_way_changes_nothing(self, office, hall_manager, regions, confirmed, monkeypatch):
        import rectification.services as rectification_services

        circular = _draft(office, regions, confirmed)
        calls = {"n": 0}
        original = rectification_services.item_create

        def fail_on_second(**kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise ValidationError("模拟失败")
            return original(**kwargs)

        monkeypatch.setattr(rectification_services, "item_create", fail_on_second)
        with pytest.raises(ValidationError):
            circular_services.circular_publish(actor=office, circular=circular)
        assert set(Finding.objects.filter(pk__in=[f.pk for f in confirmed]).values_list("status", flat=True)) == {"confirmed"}
        from rectification.models import RectificationItem

        assert not RectificationItem.objects.exists()
        circular.refresh_from_db()
        assert circular.status == "draft"

    def test_only_confirmed_findings_can_be_circulated(self, office, regions, findings):
        with pytest.raises(ValidationError, match="只有已确认的问题才能通报"):
            _draft(office, regions, [findings["undercover"]])

    def test_findings_outside_the_circulars_region_are_refused(self, regions, findings):
        from tests.factories import UserFactory

        province_office = UserFactory(role="office", region=regions["province"])
        finding = findings["other"]
        Finding.objects.filter(pk=finding.pk).update(status="confirmed")
        finding.refresh_from_db()
        with pytest.raises(ValidationError, match="不在本通报的区划"):
            _draft(province_office, regions, [finding])

    def test_publishing_twice_is_refused(self, office, regions, confirmed):
        circular = _draft(office, regions, confirmed[:1])
        circular_services.circular_publish(actor=office, circular=circular)
        with pytest.raises(ValidationError, match="已经发布过了"):
            circular_services.circular_publish(actor=office, circular=circular)


@pytest.mark.django_db
def test_the_circular_page_reads_like_the_notice(client, office, regions, confirmed, own_hall):
    staff = own_hall.staff.first()
    Finding.objects.filter(pk=confirmed[0].pk).update(staff=staff)
    circular = _draft(office, regions, confirmed)
    client.force_login(office)
    page = client.get(circular.get_absolute_url()).content.decode()
    # Sections open in taxonomy order: A (仪容仪表) before C (工作纪律) before D (廉洁).
    assert page.index("仪容仪表") < page.index("工作纪律") < page.index("廉洁")
    assert f"{staff.name[0]}某" in page and staff.name not in page  # named as "张某"
    # The facts the description says already ("最长达27分钟") are not said again.
    assert "最长达27分钟。" in page and "离岗时长 27 分钟" not in page and "（发布时编号）" in page


@pytest.mark.django_db
def test_office_drafts_and_publishes_through_the_pages(client, office, regions, confirmed):
    client.force_login(office)
    response = client.post(reverse("circular_create"), {
        "issuer": "佳木斯市作风办", "issuer_code": "佳作整办", "year": 2026, "region": regions["city_a"].pk,
        "title": "通报", "date": "2026-11-21", "naming": "surname", "findings": [f.pk for f in confirmed],
    })
    circular = Circular.objects.get()
    assert response["Location"] == circular.get_absolute_url()
    client.post(reverse("circular_publish", args=[circular.pk]))
    circular.refresh_from_db()
    assert circular.status == "published"


@pytest.mark.django_db
def test_a_list_of_choices_renders_as_rows_with_select_all(client, office, confirmed):
    """起草通报's findings (and 记录问责's): a fieldset of rows, each box before its label, and a
    select-all box; not one checkbox with its label beside it (one character a line on a phone)."""
    client.force_login(office)
    page = client.get(reverse("circular_create")).content.decode()
    assert '<fieldset class="field checklist' in page and 'data-select-all="findings"' in page
    assert page.count('<label class="choice"') == len(confirmed)
    assert '<div class="field checkbox">' not in page.split('class="field checklist')[1].split("</fieldset>")[0]


@pytest.mark.django_db
def test_a_publish_that_finds_the_database_busy_asks_to_retry_and_leaves_the_draft(
        client, office, regions, confirmed, monkeypatch):
    """SQLite takes one writer at a time: a publish whose last write waited out the lock gets a
    clear page to try again (503, Retry-After), and its transaction leaves nothing behind."""
    from django.db import OperationalError

    circular = _draft(office, regions, confirmed)
    real = circular_services.circular_publish

    def publish_then_lock(**kwargs):
        with transaction.atomic():
            real(**kwargs)
            raise OperationalError("database is locked")

    monkeypatch.setattr(circular_services, "circular_publish", publish_then_lock)
    client.force_login(office)
    response = client.post(reverse("circular_publish", args=[circular.pk]))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "系统繁忙，请稍后重试" in response.content.decode()
    circular.refresh_from_db()
    assert circular.status == "draft" and circular.doc_number is None
    assert not Finding.objects.filter(pk__in=[f.pk for f in confirmed], status="published").exists()


def test_sqlite_writers_take_the_lock_when_they_begin():
    """Two writers queue for the lock (IMMEDIATE) instead of one failing when its read turns
    into a write — what "database is locked" came from under two simultaneous publishes."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert database["OPTIONS"]["timeout"] >= 5
    else:
        assert database["ENGINE"].endswith("postgresql")
