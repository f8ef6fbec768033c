"""The benchmark scripts, run small, so that they keep working as the models change."""

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from bench import fill_findings, findings_list
from bench.common import BENCH_PROVINCE_CODE, OFFICE_USERNAME
from inspections.facts import clean_facts
from inspections.models import Finding, ProblemCategory, Visit
from registry.models import Region, ServiceHall, User


@pytest.mark.django_db
def test_fill_then_benchmark_the_list():
    assert fill_findings.fill(300, 5, verbose=False) == 300

    province = Region.objects.get(code=BENCH_PROVINCE_CODE)
    in_bench = {"hall__region__path__startswith": province.path}
    findings = Finding.objects.filter(**in_bench)
    assert findings.count() == Finding.objects.count() == 300
    assert ServiceHall.objects.filter(region__path__startswith=province.path).count() == 5
    assert {r.level for r in Region.objects.filter(path__startswith=province.path)} == {
        "province", "city", "county",
    }

    # Foreign keys: real rows (the database agrees), and in the finding's own hall.
    connection.check_constraints()
    assert not findings.filter(window__isnull=False).exclude(window__hall=F("hall")).exists()
    assert not findings.filter(department__isnull=False).exclude(department__hall=F("hall")).exists()
    assert not findings.filter(staff__isnull=False).exclude(staff__hall=F("hall")).exists()
    assert not findings.filter(visit__isnull=False).exclude(visit__hall=F("hall")).exists()
    assert not findings.filter(visit__isnull=False).exclude(visit__mode=F("source")).exists()
    assert not findings.filter(category__parent__isnull=True).exists()
    assert not findings.filter(source__in=["open", "undercover"], visit__isnull=True).exists()
    assert set(findings.filter(undercover=True).values_list("source", flat=True)) == {"undercover"}
    assert not findings.filter(source="undercover", undercover=False).exists()
    assert Visit.objects.filter(findings__isnull=True).count() == 0
    assert not Visit.objects.filter(inspectors__isnull=True).exists()

    # Each category's required facts are there, with values the intake form would accept as they are.
    categories = {c.pk: c for c in ProblemCategory.objects.all()}
    for finding in findings:
        category = categories[finding.category_id]
        assert set(category.required_facts) <= set(finding.facts), (category.code, finding.facts)
        assert clean_facts(category, finding.facts) == finding.facts, (category.code, finding.facts)
        assert finding.description.endswith("。")

    # Spread over time, taxonomy, sources and statuses; no history rows for the bulk load.
    now = timezone.now()
    assert not findings.filter(observed_at__gt=now).exists()
    assert not findings.filter(observed_at__lt=now - datetime.timedelta(days=732)).exists()
    assert findings.values("category").distinct().count() >= 15
    assert findings.values("source").distinct().count() >= 5
    assert findings.values("status").distinct().count() >= 3
    assert findings.filter(undercover=True).exists()
    assert not findings.filter(status="rejected", rejection_reason="").exists()
    assert Finding.history.count() == 0

    # A second run adds findings to the same halls.
    assert fill_findings.fill(20, 5, verbose=False) == 20
    assert ServiceHall.objects.filter(region__path__startswith=province.path).count() == 5
    assert Finding.objects.filter(**in_bench).count() == 320

    results = findings_list.run(repeat=2)
    assert [r["key"] for r in results] == ["a", "b", "c", "d", "e"]
    for result in results:
        assert len(result["times_ms"]) == 2
        assert 0 < result["median_ms"] <= result["p95_ms"] and result["cpu_ms"] >= 0
        assert result["queries"] > 0
        assert result["unbounded_counts"] == []
        assert result["rows"] <= 50
    rows = {r["key"]: r["rows"] for r in results}
    assert rows["a"] == 50 and rows["b"] == 0 and rows["d"] > 0 and rows["e"] > 0
    assert User.objects.get(username=OFFICE_USERNAME).region == province
    assert findings_list.report(results) is True


def test_unbounded_count_detection():
    capped = (
        'SELECT COUNT(*) FROM (SELECT "inspections_finding"."id" AS "col1" FROM "inspections_finding" '
        "LIMIT 10001) subquery"
    )
    whole = 'SELECT COUNT(*) AS "__count" FROM "inspections_finding" WHERE "status" = \'draft\''
    other = 'SELECT COUNT(*) AS "__count" FROM "inspections_servicehall"'
    found = findings_list.unbounded_counts([{"sql": capped}, {"sql": whole}, {"sql": other}])
    assert found == [whole]
    assert findings_list.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.95) == 5.0
