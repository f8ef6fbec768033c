"""Leaks a review found around the embargo and the hall boundary, kept closed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from circulars import services as circular_services
from rectification import services as rectification
from rectification.scope import items_visible_to
from tests.factories import FindingFactory, jpeg_bytes, upload


@pytest.mark.django_db
def test_admin_has_no_history_views_that_skip_the_scope(client, hall_manager, findings):
    client.force_login(hall_manager)
    finding = findings["undercover"]
    record = finding.history.first()
    for url in (f"/admin/inspections/finding/{finding.pk}/history/",
                f"/admin/inspections/finding/{finding.pk}/history/{record.history_id}/"):
        response = client.get(url)
        assert response.status_code in (302, 404)
        assert finding.description not in client.get(url, follow=True).content.decode()


@pytest.mark.django_db
def test_accountability_cannot_point_at_an_embargoed_finding_or_a_prepared_item(office, own_hall, findings, ledger):
    embargoed = FindingFactory(visit=findings["undercover"].visit, status="confirmed")
    with pytest.raises(ValidationError, match="通报发布后"):
        rectification.accountability_record(
            actor=office, hall=own_hall, subject="unit", track="hall", type="约谈", deciding_body="x",
            decision_date=timezone.localdate(), findings=[embargoed],
        )
    with pytest.raises(ValidationError, match="待下发"):
        rectification.accountability_record(
            actor=office, hall=own_hall, subject="unit", track="hall", type="约谈", deciding_body="x",
            decision_date=timezone.localdate(), items=[ledger["prepared"]],
        )


@pytest.mark.django_db
def test_an_item_bundling_a_finding_of_a_later_circular_stays_prepared(office, hall_manager, regions, undercover_visit):
    first = FindingFactory(visit=undercover_visit, status="confirmed")
    later = FindingFactory(visit=undercover_visit, status="confirmed")
    item = rectification.item_create(actor=office, findings=[first, later])
    circular = circular_services.circular_save(actor=office, findings=[first], values={
        "issuer": "x", "issuer_code": "佳作整办", "year": 2026, "region": regions["city_a"], "title": "通报",
        "date": datetime.date(2026, 11, 21), "naming": "surname",
    })
    circular_services.circular_publish(actor=office, circular=circular)
    item.refresh_from_db()
    assert item.status == "prepared"
    assert not items_visible_to(hall_manager).filter(pk=item.pk).exists()
    with pytest.raises(ValidationError, match="尚未通报"):
        rectification.item_assign(actor=office, item=item)


@pytest.mark.django_db
def test_one_revisit_covers_one_hall(inspector, office, hall_manager, own_hall, other_hall, ledger, regions):
    from rectification.models import RectificationItem

    other_item = RectificationItem.objects.create(
        hall=other_hall, kind="deadline", status="closure_requested", created_by=office,
        assigned_date=timezone.localdate(), deadline=timezone.localdate(), closure_requested_on=timezone.localdate(),
    )
    inspector.region = regions["province"]
    inspector.save()
    with pytest.raises(ValidationError, match="同一单位"):
        rectification.revisit_record(
            actor=inspector, items=[ledger["closure"], other_item], date=timezone.localdate(),
            observation="x", verdict="done", files=[upload("a.jpg", jpeg_bytes())],
        )


@pytest.mark.django_db
def test_scripted_ledger_export_leaves_out_prepared_items(ledger, tmp_path):
    from django.core.management import call_command
    from openpyxl import load_workbook

    out = tmp_path / "ledger.xlsx"
    call_command("export_ledger", "-o", str(out))
    ws = load_workbook(out).active
    ids = {ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)}
    assert ledger["prepared"].pk not in ids and ledger["working"].pk in ids


@pytest.mark.django_db
def test_the_finding_page_offers_accountability_only_once_the_hall_may_know(client, office, undercover_visit):
    embargoed = FindingFactory(visit=undercover_visit, status="confirmed")
    client.force_login(office)
    assert "记录问责" not in client.get(reverse("finding_detail", args=[embargoed.pk])).content.decode()
