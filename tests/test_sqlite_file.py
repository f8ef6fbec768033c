"""Two offices publishing at the same moment on a SQLite file, the embedded default.

The suite's own SQLite database lives in memory and is shared by its threads, so it cannot show
what a file on one server does under two writers. This test runs ``main`` below in a fresh
process on a new SQLite file (migrated there), whatever database the suite runs on: two
threads, each with its own connection, post 发布通报 for two drafts of the same issuer at once
through the whole request path. Both are published, one after the other, with consecutive
numbers. Then a third connection holds the write lock past a publish's timeout: that publish
gets the retry page (503, Retry-After) and its draft is left as it was.
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_two_publishes_at_once_on_a_sqlite_file(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    environment |= {"DEBUG": "1", "ALLOWED_HOSTS": "testserver", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                    "EVIDENCE_ROOT": str(tmp_path / "evidence"), "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-m", "tests.test_sqlite_file"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    at_once = seen["at_once"]
    assert at_once["responses"] == [302, 302]  # both went through: the second waited its turn
    assert at_once["statuses"] == ["published", "published"]
    assert sorted(at_once["numbers"]) == ["佳作整办〔2026〕1号", "佳作整办〔2026〕2号"]
    assert at_once["published_findings"] == 2 and at_once["items"] == 2

    busy = seen["busy"]
    assert busy["response"] == 503 and busy["retry_after"] == "5"
    assert "系统繁忙" in busy["page"]
    assert busy["status"] == "draft" and busy["number"] is None
    assert busy["published_findings"] == 0 and busy["items"] == 0


# --- Run in its own process (python -m tests.test_sqlite_file) ------------------------------

def _signed_in(user):
    """A client signed in as ``user`` with the second factor passed (as tests/conftest.py's)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="测试", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _draft(office, region, hall, inspector, title):
    import datetime

    from circulars import services
    from tests.factories import FindingFactory, VisitFactory, category

    visit = VisitFactory(hall=hall, mode="undercover", created_by=inspector, inspectors=[inspector])
    finding = FindingFactory(visit=visit, status="confirmed", category=category("C02"))
    return services.circular_save(actor=office, findings=[finding], values={
        "issuer": "佳木斯市作风办", "issuer_code": "佳作整办", "year": 2026, "region": region,
        "title": title, "date": datetime.date(2026, 11, 21), "naming": "surname",
    })


def _state(circulars):
    from circulars.models import Circular
    from inspections.models import Finding
    from rectification.models import RectificationItem

    ids = [c.pk for c in circulars]
    rows = {c.pk: c for c in Circular.objects.filter(pk__in=ids)}
    findings = Finding.objects.filter(circulars__pk__in=ids)
    return {
        "statuses": [rows[pk].status for pk in ids], "numbers": [rows[pk].doc_number for pk in ids],
        "published_findings": findings.filter(status="published").count(),
        "items": RectificationItem.objects.filter(findings__in=findings).distinct().count(),
    }


def _post_at_once(requests):
    """Each (client, url) posted from its own thread, all let go at the same moment."""
    from django.db import connections

    barrier = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def post(index, client, url):
        barrier.wait()
        try:
            responses[index] = client.post(url)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=post, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def main():
    import sqlite3

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.urls import reverse

    from registry.models import Region, Role
    from tests.factories import HallFactory, RegionFactory, UserFactory

    call_command("migrate", verbosity=0)
    province = RegionFactory(code="230000", name="黑龙江省", level=Region.Level.PROVINCE)
    city = RegionFactory(code="230800", name="佳木斯市", level=Region.Level.CITY, parent=province)
    county = RegionFactory(code="230828", name="汤原县", level=Region.Level.COUNTY, parent=city)
    hall = HallFactory(name="汤原县政务服务中心", region=county)
    inspector = UserFactory(username="inspector", role=Role.INSPECTOR, region=city)
    offices = [UserFactory(username=f"office{n}", role=Role.OFFICE, region=city) for n in (1, 2)]
    drafts = [_draft(office, city, hall, inspector, f"通报{n}") for n, office in enumerate(offices, 1)]
    clients = [_signed_in(office) for office in offices]

    responses = _post_at_once([(client, reverse("circular_publish", args=[draft.pk]))
                               for client, draft in zip(clients, drafts, strict=True)])
    seen = {"at_once": {"responses": [r.status_code for r in responses], **_state(drafts)}}

    # A writer that keeps the lock longer than a publish will wait for it.
    third = _draft(offices[0], city, hall, inspector, "通报3")
    connections.close_all()
    connections.settings["default"]["OPTIONS"]["timeout"] = 0.5
    holder = sqlite3.connect(connections.settings["default"]["NAME"])
    holder.execute("BEGIN IMMEDIATE")
    try:
        (response,) = _post_at_once([(clients[0], reverse("circular_publish", args=[third.pk]))])
    finally:
        holder.rollback()
        holder.close()
    state = _state([third])
    seen["busy"] = {"response": response.status_code, "retry_after": response.get("Retry-After"),
                    "page": response.content.decode(), "status": state["statuses"][0],
                    "number": state["numbers"][0], "published_findings": state["published_findings"],
                    "items": state["items"]}
    print(json.dumps(seen, ensure_ascii=False))


if __name__ == "__main__":
    main()
