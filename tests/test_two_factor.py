"""Two-factor sign-in: required for the discipline office and every administrator role, optional
for the others; enrolment by a QR code drawn by the server; recovery codes that work once; a lost
phone reset by the system administrator (not by the one who sets passwords), and logged."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Event, Result, SecurityEvent
from registry import two_factor
from registry.models import ROLES, Role, SignedInSession
from tests.factories import UserFactory

PASSWORD = "Passw0rd!"
# Written here by hand, apart from the role table, so that the table cannot drift silently.
REQUIRED = {Role.OFFICE, Role.SYSADMIN, Role.SECADMIN, Role.AUDIT_ADMIN}


def _sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password step failed"
    return response


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def _pending_code(client) -> str:
    key = client.session[two_factor.PENDING_KEY]
    return _code(TOTPDevice(key=key))


def _enrol(client, user):
    client.get(reverse("two_factor"))
    response = client.post(reverse("two_factor"), {"code": _pending_code(client)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())


def _events(kind, user=None):
    rows = SecurityEvent.objects.filter(event=kind)
    return rows.filter(user=user) if user else rows


def _user(role, region):
    return UserFactory(role=role, region=region if ROLES[role].needs_region else None)


def test_the_role_table_requires_it_of_the_office_and_the_administrators():
    assert {role for role, spec in ROLES.items() if spec.two_factor} == REQUIRED


@pytest.mark.django_db
class TestRequired:
    @pytest.mark.parametrize("role", sorted(REQUIRED))
    def test_the_password_alone_reaches_only_the_enrolment_page(self, client, regions, role):
        user = _user(role, regions["city_a"])
        _sign_in(client, user)
        for url in (reverse("home"), reverse("notification_list"), "/admin/"):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor")), url
        page = client.get(reverse("two_factor")).content.decode()
        assert "必须使用双因素认证" in page or "须使用双因素认证" in page

    def test_other_roles_are_not_asked(self, client, inspector):
        _sign_in(client, inspector)
        assert client.get(reverse("home")).status_code == 200

    def test_htmx_requests_are_sent_to_the_whole_page(self, client, office):
        _sign_in(client, office)
        response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
        assert response.status_code == 204 and response["HX-Redirect"] == reverse("two_factor")


@pytest.mark.django_db
class TestEnrolment:
    def test_the_qr_code_is_drawn_by_the_server_and_holds_the_pending_secret(self, client, office):
        _sign_in(client, office)
        page = client.get(reverse("two_factor")).content.decode()
        assert f'src="{reverse("two_factor_qr")}"' in page
        secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1)
        response = client.get(reverse("two_factor_qr"))
        assert response["Content-Type"] == "image/svg+xml" and response["Cache-Control"] == "no-store"
        assert response.content.lstrip().startswith(b"<?xml") and b"<svg" in response.content
        assert two_factor.secret_text(client.session[two_factor.PENDING_KEY]) == secret
        assert not TOTPDevice.objects.filter(user=office).exists(), "no device before a code proves the app"

    def test_a_wrong_code_keeps_nothing(self, client, office):
        _sign_in(client, office)
        client.get(reverse("two_factor"))
        response = client.post(reverse("two_factor"), {"code": "000000" if _pending_code(client) != "000000"
                                                        else "111111"})
        assert "验证码不正确" in response.content.decode()
        assert not TOTPDevice.objects.filter(user=office).exists()
        assert _events(Event.OTP_FAILED, office).get().result == Result.FAILURE
        assert client.get(reverse("home")).status_code == 302

    def test_the_right_code_enrols_shows_the_recovery_codes_once_and_opens_the_app(self, client, office, settings):
        _sign_in(client, office)
        codes = _enrol(client, office)
        assert len(codes) == settings.TWO_FACTOR_RECOVERY_CODES == len(set(codes))
        assert TOTPDevice.objects.get(user=office).confirmed
        assert _events(Event.OTP_ENROLLED, office).count() == 1
        assert client.get(reverse("home")).status_code == 200
        page = client.get(reverse("two_factor")).content.decode()
        assert "已绑定" in page and not any(code in page for code in codes)

    def test_an_inspector_may_enrol_and_is_then_asked_at_every_sign_in(self, client, inspector):
        _sign_in(client, inspector)
        _enrol(client, inspector)
        client.post(reverse("logout"))
        _sign_in(client, inspector)
        assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_verify"))


@pytest.mark.django_db
class TestSigningIn:
    @pytest.fixture
    def enrolled(self, office):
        client = Client()
        _sign_in(client, office)
        codes = _enrol(client, office)
        client.post(reverse("logout"))
        return office, codes

    def test_the_code_from_the_app_passes(self, client, enrolled):
        office, _codes = enrolled
        _sign_in(client, office)
        assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_verify"))
        device = TOTPDevice.objects.get(user=office)
        response = client.post(reverse("two_factor_verify"), {"code": _code(device, offset=1), "next": "/findings/"})
        assert response.status_code == 302 and response["Location"] == "/findings/"
        assert client.get(reverse("home")).status_code == 200
        assert _events(Event.OTP_VERIFIED, office).count() == 1

    def test_a_wrong_code_is_refused_and_logged(self, client, enrolled):
        office, _codes = enrolled
        _sign_in(client, office)
        response = client.post(reverse("two_factor_verify"), {"code": "12345"})
        assert "验证码不正确" in response.content.decode()
        assert client.get(reverse("home")).status_code == 302
        assert _events(Event.OTP_FAILED, office).filter(detail__step="sign_in").count() == 1

    def test_a_recovery_code_works_once(self, enrolled):
        office, codes = enrolled
        first = Client()
        _sign_in(first, office)
        assert first.post(reverse("two_factor_verify"), {"code": codes[0].upper()}).status_code == 302
        assert first.get(reverse("home")).status_code == 200
        assert _events(Event.OTP_RECOVERY_USED, office).get().detail["left"] == len(codes) - 1
        second = Client()
        _sign_in(second, office)
        assert "验证码不正确" in second.post(reverse("two_factor_verify"), {"code": codes[0]}).content.decode()
        assert second.get(reverse("home")).status_code == 302

    def test_new_recovery_codes_void_the_old(self, client, enrolled):
        office, codes = enrolled
        _sign_in(client, office)
        client.post(reverse("two_factor_verify"), {"code": codes[0]})
        page = client.post(reverse("two_factor_codes")).content.decode()
        fresh = re.findall(r"<li><code>([a-z0-9]+)</code></li>", page)
        stored = set(StaticToken.objects.filter(device__user=office).values_list("token", flat=True))
        assert stored == {two_factor.recovery_digest(code) for code in fresh}
        assert not set(fresh) & set(codes)
        renewed = _events(Event.OTP_CODES_RENEWED, office).get()
        assert renewed.detail["codes"] == len(fresh) and not _events(Event.OTP_ENROLLED).filter(
            detail__has_key="step").exists()

    def test_the_database_holds_no_recovery_code_only_keyed_digests(self, enrolled, settings):
        office, codes = enrolled
        stored = list(StaticToken.objects.filter(device__user=office).values_list("token", flat=True))
        assert len(stored) == len(codes) and not set(stored) & set(codes)
        assert all(re.fullmatch(r"[0-9a-f]{16}", token) for token in stored)
        assert not any(code in token for token in stored for code in codes)
        # Keyed: the same code under another SECRET_KEY gives another digest.
        digest = two_factor.recovery_digest(codes[0])
        settings.SECRET_KEY = "another-" + settings.SECRET_KEY
        assert two_factor.recovery_digest(codes[0]) != digest

    def test_codes_stored_as_plain_text_before_become_digests_and_still_work(self, client, enrolled):
        import importlib

        from django.apps import apps

        office, codes = enrolled
        device = StaticToken.objects.filter(device__user=office).first().device
        StaticToken.objects.filter(device=device).delete()
        StaticToken.objects.create(device=device, token="abcd2345")  # as django-otp kept it
        importlib.import_module("registry.migrations.0005_recovery_codes_as_digests").to_digests(apps, None)
        assert StaticToken.objects.get(device=device).token == two_factor.recovery_digest("abcd2345")
        _sign_in(client, office)
        assert client.post(reverse("two_factor_verify"), {"code": "ABCD 2345"}).status_code == 302
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
class TestLostPhone:
    @pytest.fixture
    def enrolled_office(self, office):
        TOTPDevice.objects.create(user=office, name="手机", confirmed=True)
        return office

    def test_the_system_administrator_resets_it_signs_the_user_out_and_it_is_logged(
            self, client, enrolled_office, sysadmin):
        holder = Client()
        holder.force_login(enrolled_office)
        assert SignedInSession.objects.filter(user=enrolled_office).exists()
        client.force_login(sysadmin)
        assert "重置" in client.get(reverse("two_factor_accounts")).content.decode()
        response = client.post(reverse("two_factor_reset", args=[enrolled_office.pk]))
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=enrolled_office).exists()
        assert not SignedInSession.objects.filter(user=enrolled_office).exists()
        assert holder.get(reverse("home"))["Location"].startswith(reverse("login"))
        event = _events(Event.OTP_RESET, sysadmin).get()
        assert event.object_id == str(enrolled_office.pk)

    @pytest.mark.parametrize("who", ["secadmin", "office", "audit_admin"])
    def test_no_one_else_resets_it_and_nothing_changes(self, client, regions, enrolled_office, who):
        actor = _user({"secadmin": Role.SECADMIN, "office": Role.OFFICE, "audit_admin": Role.AUDIT_ADMIN}[who],
                      regions["city_a"])
        client.force_login(actor)
        response = client.post(reverse("two_factor_reset", args=[enrolled_office.pk]))
        assert response.status_code in (403, 404)
        assert TOTPDevice.objects.filter(user=enrolled_office, name="手机").exists()
        assert not _events(Event.OTP_RESET).exists()

    def test_an_administrators_is_reset_on_the_server(self, client, sysadmin):
        secadmin = UserFactory(role=Role.SECADMIN)
        TOTPDevice.objects.create(user=secadmin, name="手机", confirmed=True)
        client.force_login(sysadmin)
        assert client.post(reverse("two_factor_reset", args=[secadmin.pk])).status_code == 403
        assert TOTPDevice.objects.filter(user=secadmin).exists()
        call_command("reset_two_factor", secadmin.username, stdout=io.StringIO())
        assert not TOTPDevice.objects.filter(user=secadmin).exists()
        assert _events(Event.OTP_RESET).get().detail["command"] is True
        with pytest.raises(CommandError, match="no second factor"):
            call_command("reset_two_factor", secadmin.username, stdout=io.StringIO())


@pytest.mark.django_db
class TestTheAccountsPage:
    """A province has thousands of accounts: the system administrator finds one by account or
    name, a page at a time, and the page's queries do not grow with the accounts."""

    def _rows(self, client, **query):
        response = client.get(reverse("two_factor_accounts"), query)
        assert response.status_code == 200
        return response, [row["user"].username for row in response.context["rows"]]

    def test_found_by_account_or_name(self, client, sysadmin, regions):
        UserFactory(username="zhang_wei", display_name="张伟", role=Role.INSPECTOR, region=regions["city_a"])
        UserFactory(username="li_na", display_name="李娜", role=Role.INSPECTOR, region=regions["city_a"])
        client.force_login(sysadmin)
        assert self._rows(client, q="zhang")[1] == ["zhang_wei"]
        assert self._rows(client, q="李娜")[1] == ["li_na"]
        response, rows = self._rows(client, q="无此人")
        assert rows == [] and "没有符合条件的账号" in response.content.decode()

    def test_a_page_at_a_time_with_flat_queries(self, client, sysadmin, regions, settings):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        settings.PAGE_SIZE = 5
        client.force_login(sysadmin)

        def queries():
            with CaptureQueriesContext(connection) as captured:
                rows = self._rows(client)[1]
            return len(captured), rows

        for n in range(3):
            TOTPDevice.objects.create(user=UserFactory(username=f"a{n:03}", role=Role.OFFICE,
                                                       region=regions["city_a"]), confirmed=True)
        few, _rows = queries()
        for n in range(3, 40):
            TOTPDevice.objects.create(user=UserFactory(username=f"a{n:03}", role=Role.OFFICE,
                                                       region=regions["city_a"]), confirmed=True)
        many, rows = queries()
        assert many == few and len(rows) == 5
        response, second = self._rows(client, page=2)
        assert second == ["a005", "a006", "a007", "a008", "a009"] and "下一页" in response.content.decode()
        assert not set(rows) & set(second)
