"""The review queue as a work queue: filters, thumbnails, confirming several at once (all or
none), and a question before the steps that cannot be taken back."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections.models import Finding
from rectification import services as ledger_services
from rectification.models import RectificationItem
from registry.models import Role
from tests.factories import FindingFactory, UserFactory, VisitFactory, category, stored_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(undercover_visit, other_hall, inspector, taxonomy):
    """Three submitted findings of city A (two C-class, one A-class) and one of city B."""
    now = timezone.now()
    visit_b = VisitFactory(hall=other_hall, mode="open", created_by=inspector, inspectors=[inspector])
    return {
        "old": FindingFactory(visit=undercover_visit, status="submitted", category=category("C02"),
                              submitted_at=now - datetime.timedelta(days=5)),
        "new": FindingFactory(visit=undercover_visit, status="submitted", category=category("C03"),
                              submitted_at=now),
        "a_class": FindingFactory(visit=undercover_visit, status="submitted", category=category("A02"),
                                  submitted_at=now),
        "city_b": FindingFactory(visit=visit_b, status="submitted", submitted_at=now),
    }


def _queue(client, **query):
    response = client.get(reverse("review_queue"), query)
    assert response.status_code == 200
    return {finding.pk for finding in response.context["page"]}, response.content.decode()


def _statuses(*findings):
    return [Finding.objects.get(pk=f.pk).status for f in findings]


class TestConfirmingSeveral:
    def test_the_ticked_ones_are_confirmed_and_the_rest_wait(self, client, office, queue):
        client.force_login(office)
        response = client.post(reverse("review_confirm"), {"findings": [queue["old"].pk, queue["new"].pk]})
        assert response.status_code == 302
        assert _statuses(queue["old"], queue["new"], queue["a_class"]) == ["confirmed", "confirmed", "submitted"]
        assert not RectificationItem.objects.exists()
        assert "已确认 2 条问题" in client.get(reverse("review_queue")).content.decode()

    def test_and_sent_for_rectification_in_the_same_step(self, client, office, queue):
        client.force_login(office)
        client.post(reverse("review_confirm"), {"findings": [queue["old"].pk, queue["a_class"].pk], "rectify": "1"})
        assert _statuses(queue["old"], queue["a_class"]) == ["confirmed", "confirmed"]
        assert set(RectificationItem.objects.values_list("findings", flat=True)) == {queue["old"].pk,
                                                                                    queue["a_class"].pk}

    def test_one_outside_the_queue_and_none_is_confirmed(self, client, office, queue):
        client.force_login(office)
        client.post(reverse("review_confirm"), {"findings": [queue["old"].pk, queue["city_b"].pk]})
        assert _statuses(queue["old"], queue["city_b"]) == ["submitted", "submitted"]
        assert "未做任何确认" in client.get(reverse("review_queue")).content.decode()

    def test_a_failure_half_way_undoes_the_ones_before(self, client, office, queue, monkeypatch):
        real = ledger_services.item_create
        made = []

        def second_fails(**kwargs):
            made.append(kwargs)
            if len(made) == 2:
                raise ValidationError("规则缺失")
            return real(**kwargs)

        monkeypatch.setattr(ledger_services, "item_create", second_fails)
        client.force_login(office)
        client.post(reverse("review_confirm"), {"findings": [queue["old"].pk, queue["new"].pk], "rectify": "1"})
        assert len(made) == 2
        assert _statuses(queue["old"], queue["new"]) == ["submitted", "submitted"]
        assert not RectificationItem.objects.exists()

    @pytest.mark.parametrize("findings", [[], ["x"]])
    def test_nothing_ticked_says_so(self, client, office, queue, findings):
        client.force_login(office)
        client.post(reverse("review_confirm"), {"findings": findings})
        assert "请先勾选要确认的问题" in client.get(reverse("review_queue")).content.decode()
        assert set(_statuses(*queue.values())) == {"submitted"}


class TestTheQueue:
    def test_filters_by_hall_class_inspector_and_age(self, client, office, queue, own_hall, inspector, regions):
        client.force_login(office)
        city_a = {queue["old"].pk, queue["new"].pk, queue["a_class"].pk}
        assert _queue(client)[0] == city_a
        assert _queue(client, hall_name=own_hall.name[:3])[0] == city_a
        assert _queue(client, hall_name="无此大厅")[0] == set()
        assert _queue(client, category=category("C02").parent.pk)[0] == {queue["old"].pk, queue["new"].pk}
        assert _queue(client, age="3")[0] == {queue["old"].pk}
        assert _queue(client, inspector=queue["old"].created_by.username)[0] >= {queue["old"].pk}
        other = UserFactory(role=Role.INSPECTOR, region=regions["city_a"], display_name="李四")
        mine = FindingFactory(visit=queue["old"].visit, status="submitted", created_by=other)
        assert _queue(client, inspector="李四")[0] == {mine.pk}
        assert "没有符合条件的待审核问题" in _queue(client, hall_name="无此大厅")[1]

    def test_thumbnails_of_each_findings_photos_with_flat_queries(self, client, office, queue, inspector, own_hall):
        def queries():
            with CaptureQueriesContext(connection) as captured:
                pks, page = _queue(client)
            return len(captured), page

        client.force_login(office)
        stored_evidence(inspector, own_hall, "现场.jpg", finding=queue["old"])
        few, page = queries()
        thumbnail = reverse("evidence_thumbnail", args=[queue["old"].evidence.get().pk])
        assert f'<img src="{thumbnail}"' in page
        for _ in range(6):
            finding = FindingFactory(visit=queue["old"].visit, status="submitted")
            for name in ("一.jpg", "二.jpg", "三.jpg", "四.jpg"):
                stored_evidence(inspector, own_hall, name, finding=finding)
        many, page = queries()
        assert many == few
        assert page.count('class="thumbs"') == 7 and page.count("<img ") == 1 + 6 * 3  # three a card

    def test_the_steps_that_cannot_be_taken_back_ask_first(self, client, office, hall_manager, queue):
        client.force_login(office)
        _pks, page = _queue(client)
        assert page.count('data-confirm="确认后问题即下发整改') == 3
        assert 'name="rectify" value="1" class="primary" data-confirm=' in page
        detail = client.get(queue["old"].get_absolute_url()).content.decode()
        assert 'data-confirm="确认后问题即下发整改' in detail


def test_approving_a_close_out_asks_first(client, office, ledger):
    client.force_login(office)
    page = client.get(ledger["closure"].get_absolute_url()).content.decode()
    assert 'data-confirm="同意销号后，该事项即告整改完成。确定吗？"' in page


def test_an_id_too_large_for_the_database_is_nothing_ticked(client, office, queue):
    client.force_login(office)
    client.post(reverse("review_confirm"), {"findings": ["99999999999999999999"]})
    assert "请先勾选要确认的问题" in client.get(reverse("review_queue")).content.decode()
