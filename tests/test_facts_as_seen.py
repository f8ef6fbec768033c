"""Facts as inspectors see them: "not measured" and qualitative values instead of invented numbers,
several behaviours at once, on the form, in spreadsheets and in the circular's words."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from inspections.facts import UNMEASURED, clean_facts, describe_facts
from inspections.models import Finding
from tests.factories import category

pytestmark = pytest.mark.django_db


@pytest.fixture
def c03(taxonomy):
    return category("C03")  # 空岗漏岗, requires minutes_observed


class TestTheRules:
    def test_the_whole_visit_instead_of_a_number(self, c03):
        assert clean_facts(c03, {"minutes_observed": "whole_visit"}) == {"minutes_observed": "whole_visit"}
        assert clean_facts(c03, {"minutes_observed": "整个暗访期间"}) == {"minutes_observed": "whole_visit"}  # a cell
        assert describe_facts({"minutes_observed": "whole_visit"}) == "整个暗访期间无人值守"

    def test_not_measured_satisfies_a_required_fact_and_says_nothing(self, c03):
        assert clean_facts(c03, {"minutes_observed": "未测量"}) == {"minutes_observed": UNMEASURED}
        assert describe_facts({"minutes_observed": UNMEASURED, "covered_by": "保安"}) == "代岗人员 保安"
        with pytest.raises(ValidationError, match="必填项"):
            clean_facts(c03, {})

    def test_several_intermediaries_or_none_seen(self, taxonomy):
        d04 = category("D04")
        assert clean_facts(d04, {"intermediaries": "多家（未计数）"}) == {"intermediaries": "several"}
        assert describe_facts({"intermediaries": "several"}) == "多家中介"
        assert clean_facts(d04, {"intermediaries": "none"}) == {"intermediaries": "none"}
        assert describe_facts({"intermediaries": "none"}) == ""
        with pytest.raises(ValidationError, match="请填写数字"):
            clean_facts(d04, {"intermediaries": "好几家"})

    def test_several_behaviours_at_once(self, taxonomy):
        c04 = category("C04")
        assert clean_facts(c04, {"activity": "闲聊、吃东西"}) == {"activity": ["chatting", "eating"]}
        assert clean_facts(c04, {"activity": ["phone", "chatting"]}) == {"activity": ["phone", "chatting"]}
        assert describe_facts({"activity": ["chatting", "eating"]}) == "所做无关事 闲聊、吃东西"
        assert describe_facts({"activity": "phone"}) == "所做无关事 玩手机"  # as recorded before
        with pytest.raises(ValidationError):
            clean_facts(c04, {"activity": "闲聊、跳舞"})

    def test_a_rule_across_two_facts_needs_two_numbers(self, taxonomy):
        f02 = category("F02")
        assert clean_facts(f02, {"calls_made": "未测量", "calls_unanswered": 3}) == {
            "calls_made": UNMEASURED, "calls_unanswered": 3}
        with pytest.raises(ValidationError, match="不能多于"):
            clean_facts(f02, {"calls_made": 2, "calls_unanswered": 3})


class TestTheForm:
    def _post(self, client, visit, code, **facts):
        data = {
            "category": category(code).pk, "severity": "general", "description": "窗口无人值守。",
            "observed_at": timezone.localtime(visit.started_at + datetime.timedelta(minutes=10)).strftime(
                "%Y-%m-%dT%H:%M"),
            "submit": "1",
        }
        return client.post(reverse("finding_create", args=[visit.pk]), data | facts)

    def test_the_whole_visit_is_chosen_instead_of_typing_minutes(self, client, inspector, undercover_visit):
        client.force_login(inspector)
        page = client.get(reverse("finding_facts"), {"hall": undercover_visit.hall_id, "category": category("C03").pk})
        assert 'name="fact_minutes_observed_alt"' in page.content.decode()
        response = self._post(client, undercover_visit, "C03", fact_minutes_observed="",
                              fact_minutes_observed_alt="whole_visit")
        assert response.status_code == 302, response.content.decode()
        assert Finding.objects.get().facts == {"minutes_observed": "whole_visit"}

    def test_a_number_and_an_alternative_together_are_refused(self, client, inspector, undercover_visit):
        client.force_login(inspector)
        response = self._post(client, undercover_visit, "C03", fact_minutes_observed="30",
                              fact_minutes_observed_alt="whole_visit")
        assert response.status_code == 200 and "请只保留一种" in response.content.decode()
        assert not Finding.objects.exists()

    def test_neither_is_still_a_missing_required_fact(self, client, inspector, undercover_visit):
        client.force_login(inspector)
        response = self._post(client, undercover_visit, "C03")
        assert response.status_code == 200 and "必填项" in response.content.decode()
        assert not Finding.objects.exists()

    def test_several_behaviours_are_ticked(self, client, inspector, undercover_visit):
        client.force_login(inspector)
        response = self._post(client, undercover_visit, "C04", fact_activity=["chatting", "eating"])
        assert response.status_code == 302, response.content.decode()
        assert Finding.objects.get().facts == {"activity": ["chatting", "eating"]}

    def test_an_edit_shows_the_alternative_chosen(self, client, inspector, office, undercover_visit):
        client.force_login(inspector)
        self._post(client, undercover_visit, "C03", fact_minutes_observed_alt="unmeasured")
        finding = Finding.objects.get()
        client.force_login(office)  # the office edits before confirming
        page = client.get(reverse("finding_edit", args=[finding.pk])).content.decode()
        assert '<option value="unmeasured" selected>' in page
