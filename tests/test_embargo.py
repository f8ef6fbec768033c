"""The undercover embargo: before publication, an undercover finding exists only
for the visit's inspectors and the office whose region covers the hall —
in every list, count, page and admin screen."""

import pytest
from django.urls import reverse

from inspections import scope, services
from inspections.models import Finding
from tests.factories import UserFactory

# Which of the ``findings`` fixture each role sees.
VISIBLE = {
    "inspector": {"draft", "undercover", "open", "published"},
    # Open-inspection findings reach the hall once confirmed; undercover ones once published.
    "hall_manager": {"open", "published", "self"},
    "office": {"undercover", "open", "published", "self"},
    "auditor": {"open", "published", "self"},
    "sysadmin": set(),
}


def _states(findings, queryset):
    ids = set(queryset.values_list("pk", flat=True))
    return {state for state, finding in findings.items() if finding.pk in ids}


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(VISIBLE))
class TestEveryRole:
    def test_scope_selector(self, request, findings, role):
        user = request.getfixturevalue(role)
        assert _states(findings, scope.findings_visible_to(user)) == VISIBLE[role]

    def test_findings_list_shows_and_counts_only_the_visible(self, request, client, findings, role):
        user = request.getfixturevalue(role)
        client.force_login(user)
        response = client.get(reverse("finding_list"))
        if role == "sysadmin":
            assert response.status_code == 403
            return
        shown = {f.pk for f in response.context["page"]}
        assert {s for s, f in findings.items() if f.pk in shown} == VISIBLE[role]
        assert response.context["page"].count == len(VISIBLE[role])

    def test_filtering_by_status_cannot_reveal_an_embargoed_finding(self, request, client, findings, role):
        user = request.getfixturevalue(role)
        client.force_login(user)
        response = client.get(reverse("finding_list"), {"status": "submitted", "mode": "undercover"})
        if role == "sysadmin":
            return
        shown = {f.pk for f in response.context["page"]}
        assert (findings["undercover"].pk in shown) == ("undercover" in VISIBLE[role])

    def test_dashboard_numbers_count_only_the_visible(self, request, client, findings, role):
        user = request.getfixturevalue(role)
        client.force_login(user)
        tiles = {t["label"]: t["n"] for t in client.get(reverse("home")).context["tiles"]}
        published_visible = int("published" in VISIBLE[role])
        if role != "sysadmin":
            assert tiles["已通报问题"] == published_visible
        if role == "office":
            assert tiles["待审核问题"] == 2  # the undercover and the self-inspection finding

    def test_admin_lists_only_the_visible(self, request, client, findings, role):
        user = request.getfixturevalue(role)
        if not user.is_staff:
            return
        client.force_login(user)
        response = client.get(reverse("admin:inspections_finding_changelist"))
        if response.status_code == 403:
            # Records in the admin are for the office side; the hall side has its pages.
            assert role in ("hall_manager", "sysadmin")
            return
        listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
        assert {s for s, f in findings.items() if f.pk in listed} == VISIBLE[role]


@pytest.mark.django_db
def test_auditor_of_another_region_sees_nothing_of_this_one(findings, regions):
    auditor = UserFactory(role="auditor", region=regions["city_b"])
    assert _states(findings, scope.findings_visible_to(auditor)) == {"other"} - {"other"}


@pytest.mark.django_db
def test_an_inspector_not_on_the_visit_does_not_see_its_unpublished_findings(findings, regions):
    colleague = UserFactory(role="inspector", region=regions["province"])
    assert _states(findings, scope.findings_visible_to(colleague)) == {"published"}


@pytest.mark.django_db
def test_the_office_of_another_city_does_not_see_the_embargoed_finding(findings, regions):
    office_b = UserFactory(role="office", region=regions["city_b"])
    assert _states(findings, scope.findings_visible_to(office_b)) == {"other"}


@pytest.mark.django_db
def test_the_province_office_covers_every_city(findings, regions):
    office = UserFactory(role="office", region=regions["province"])
    assert "undercover" in _states(findings, scope.findings_visible_to(office))


@pytest.mark.django_db
def test_publishing_lifts_the_embargo_for_the_hall(findings, office, hall_manager):
    finding = services.finding_confirm(actor=office, finding=findings["undercover"])
    assert not scope.findings_visible_to(hall_manager).filter(pk=finding.pk).exists()
    from django.db import transaction

    with transaction.atomic():
        services.finding_publish(actor=office, finding=finding)
    assert scope.findings_visible_to(hall_manager).filter(pk=finding.pk).exists()


@pytest.mark.django_db
def test_the_hall_manager_cannot_see_the_undercover_visit(client, findings, hall_manager):
    client.force_login(hall_manager)
    assert client.get(findings["undercover"].visit.get_absolute_url()).status_code == 404
    assert not scope.visits_visible_to(hall_manager).exists()


@pytest.mark.django_db
def test_visit_finding_counts_do_not_leak_to_auditors(client, findings, auditor):
    client.force_login(auditor)
    visits = {v.pk: v.finding_count for v in client.get(reverse("visit_list")).context["page"]}
    assert findings["undercover"].visit_id not in visits
    assert set(visits) == {findings["open"].visit_id}


@pytest.mark.django_db
def test_self_inspection_skips_the_embargo(findings, hall_manager):
    assert findings["self"].status == Finding.Status.SUBMITTED
    assert scope.findings_visible_to(hall_manager).filter(pk=findings["self"].pk).exists()


@pytest.mark.django_db
def test_visit_counts_leave_out_findings_the_office_may_not_see(client, findings, office):
    client.force_login(office)
    visits = {v.pk: v.finding_count for v in client.get(reverse("visit_list")).context["page"]}
    # The undercover visit has a draft (not yet sent), a submitted and a published finding.
    assert visits[findings["undercover"].visit_id] == 2


@pytest.mark.django_db
def test_the_hall_side_rule_in_sql_and_in_memory_agree(findings, ledger):
    from inspections.models import Finding

    in_sql = set(Finding.objects.filter(scope.HALL_SIDE_Q).values_list("pk", flat=True))
    in_memory = {f.pk for f in Finding.objects.all() if scope.known_to_hall(f)}
    assert in_sql == in_memory and in_sql  # and the fixture has findings on both sides
    assert in_sql != set(Finding.objects.values_list("pk", flat=True))
