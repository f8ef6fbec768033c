"""Identity and sessions as a level-3 assessment (等保2.0 三级) tries them: lockout after the fifth
failure, per account and per address, unlocked by an administrator; the password rules, the
change forced at first sign-in and after 90 days; idle and absolute expiry; every session of a
user ended at logout, password change and deactivation."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Event, SecurityEvent
from registry import identity
from registry.models import Role, SignedInSession
from tests.factories import UserFactory
from tests.test_self_elevation import _post_change

PASSWORD = "Passw0rd!"
LOCKED = "登录失败次数过多"


def _login(client, username, password=PASSWORD, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


@pytest.fixture
def secadmin(db):
    return UserFactory(username="secadmin", role=Role.SECADMIN)


@pytest.mark.django_db
class TestLockout:
    def test_the_fifth_failure_locks_the_account_even_with_the_right_password(self, client, inspector):
        for _ in range(4):
            assert _login(client, "inspector", "wrong").status_code == 200
        response = _login(client, "inspector", "wrong")
        assert response.status_code == 429 and LOCKED in response.content.decode()
        response = _login(client, "inspector")
        assert response.status_code == 429 and not _signed_in(client)
        assert SecurityEvent.objects.filter(event=Event.LOCKED_OUT, username="inspector").exists()

    def test_four_failures_do_not_lock(self, client, inspector):
        for _ in range(4):
            _login(client, "inspector", "wrong")
        assert _login(client, "inspector").status_code == 302 and _signed_in(client)

    def test_the_account_is_locked_from_every_address(self, client, inspector):
        for n in range(5):
            _login(client, "inspector", "wrong", address=f"10.0.1.{n}")
        assert _login(client, "inspector", address="10.0.2.1").status_code == 429

    def test_an_address_trying_many_accounts_is_locked_for_all(self, client, inspector):
        for n in range(5):
            _login(client, f"guess{n}", "wrong", address="10.0.3.3")
        assert _login(client, "inspector", address="10.0.3.3").status_code == 429
        assert _login(Client(), "inspector", address="10.0.3.4").status_code == 302

    def test_the_message_is_the_same_whether_or_not_the_account_exists(self, client, inspector):
        pages = []
        for name in ("inspector", "nobody-at-all"):
            for _ in range(5):
                response = _login(Client(), name, "wrong", address=f"10.1.{len(name)}.1")
            pages.append(response)
        assert [p.status_code for p in pages] == [429, 429]
        text = [re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", p.content.decode()) for p in pages]
        assert LOCKED in text[0] and LOCKED in text[1]
        assert text[0].replace("inspector", "X") == text[1].replace("nobody-at-all", "X")

    def test_the_security_administrator_unlocks_and_it_is_logged(self, client, inspector, secadmin):
        for _ in range(5):
            _login(Client(), "inspector", "wrong", address="10.2.0.1")
        admin = Client()
        admin.force_login(secadmin)
        assert "inspector" in admin.get(reverse("lockout_list")).content.decode()
        assert admin.post(reverse("lockout_lift"), {"username": "inspector"}).status_code == 302
        assert _login(client, "inspector", address="10.2.0.2").status_code == 302
        unlocked = SecurityEvent.objects.get(event=Event.UNLOCKED)
        assert unlocked.user == secadmin and unlocked.detail["username_unlocked"] == "inspector"

    def test_the_office_of_the_region_unlocks_its_accounts_but_not_an_address(
            self, client, inspector, office, hall_manager):
        for _ in range(5):
            _login(Client(), "inspector", "wrong", address="10.3.0.1")
        client.force_login(office)
        page = client.get(reverse("lockout_list")).content.decode()
        assert "inspector" in page and "解锁地址" not in page  # its region's account; no address
        assert client.post(reverse("lockout_lift"), {"address": "10.3.0.1"}).status_code == 403
        assert AccessAttempt.objects.filter(ip_address="10.3.0.1").exists()  # refused: nothing lifted
        assert client.post(reverse("lockout_lift"), {"username": "inspector"}).status_code == 302
        assert _login(Client(), "inspector", address="10.3.0.2").status_code == 302
        assert SecurityEvent.objects.get(event=Event.UNLOCKED).user == office

    def test_a_hall_managers_lockout_is_lifted_by_the_office_over_the_hall(self, client, hall_manager, office):
        for _ in range(5):
            _login(Client(), hall_manager.username, "wrong", address="10.3.1.1")
        client.force_login(office)
        assert client.post(reverse("lockout_lift"), {"username": hall_manager.username}).status_code == 302
        assert not AccessAttempt.objects.filter(username=hall_manager.username).exists()

    def test_no_one_else_unlocks(self, client, inspector, regions, hall_manager):
        for _ in range(5):
            _login(Client(), "inspector", "wrong", address="10.3.0.1")
        office_b = UserFactory(role=Role.OFFICE, region=regions["city_b"])
        colleague = UserFactory(role=Role.INSPECTOR, region=regions["city_a"])
        for outsider in (office_b, hall_manager, colleague):
            client.force_login(outsider)
            page = client.get(reverse("lockout_list"))
            assert page.status_code == 403 or "inspector" not in page.content.decode()
            client.post(reverse("lockout_lift"), {"username": "inspector"})
        assert _login(Client(), "inspector", address="10.3.0.2").status_code == 429
        assert not SecurityEvent.objects.filter(event=Event.UNLOCKED).exists()

    def test_the_address_is_the_administrators_to_lift(self, inspector, secadmin, office):
        from registry.models import ROLES

        may = {role for role in ROLES if UserFactory(role=role, region=office.region if ROLES[role].needs_region
                                                      else None).has_perm("lockout.lift_address")}
        assert may == {Role.SECADMIN, Role.SYSADMIN}


@pytest.mark.django_db
class TestPasswords:
    @pytest.mark.parametrize("password, why", [
        ("Ab1!xyz", "8"), ("abcdefgh1", "3"), ("Zhangwei#2026x", "用户名"), ("Password1!", "常见"),
    ])
    def test_the_rules(self, password, why):
        user = UserFactory.build(username="zhangwei")
        with pytest.raises(ValidationError) as refused:
            validate_password(password, user)
        assert why in " ".join(refused.value.messages)

    def test_a_good_password_passes(self):
        validate_password("Hei-Long9Jiang", UserFactory.build(username="zhangwei"))

    def test_a_password_changed_to_itself_is_refused(self, client, inspector):
        client.force_login(inspector)
        response = client.post(reverse("password_change"), {
            "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
        assert response.status_code == 200 and "新密码不能与当前密码相同" in response.content.decode()
        inspector.refresh_from_db()
        assert inspector.check_password(PASSWORD)

    def test_a_password_someone_else_set_must_be_changed_first(self, client, inspector):
        inspector.password_changed_at = None
        inspector.save()
        client.force_login(inspector)
        response = client.get(reverse("finding_list"))
        assert response.status_code == 302 and response["Location"] == reverse("password_change")
        assert client.get(reverse("password_change")).status_code == 200
        client.post(reverse("password_change"), {
            "old_password": PASSWORD, "new_password1": "Nn3w-Passw0rd!", "new_password2": "Nn3w-Passw0rd!"})
        assert client.get(reverse("finding_list")).status_code == 200
        inspector.refresh_from_db()
        assert inspector.password_changed_at is not None
        assert SecurityEvent.objects.filter(event=Event.PASSWORD_CHANGED, user=inspector).exists()

    def test_a_password_older_than_the_period_must_be_changed(self, client, inspector, settings):
        inspector.password_changed_at = timezone.now() - datetime.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS + 1)
        inspector.save()
        client.force_login(inspector)
        assert client.get(reverse("home"))["Location"] == reverse("password_change")
        inspector.password_changed_at = timezone.now() - datetime.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS - 1)
        inspector.save()
        assert client.get(reverse("home")).status_code == 200

    def test_a_reset_by_the_security_administrator_asks_for_a_new_one_and_ends_the_sessions(
            self, client, inspector, secadmin):
        holder = Client()
        _login(holder, "inspector")
        admin = Client()
        admin.force_login(secadmin)
        url = reverse("admin:auth_user_password_change", args=[inspector.pk]).replace("auth/user", "registry/user")
        response = admin.post(url, {"password1": "Temp-0rary!x", "password2": "Temp-0rary!x"})
        assert response.status_code == 302
        inspector.refresh_from_db()
        assert inspector.password_changed_at is None
        assert holder.get(reverse("home")).status_code == 302  # the old sign-in has ended
        assert SecurityEvent.objects.filter(event=Event.PASSWORD_SET, user=secadmin).exists()


@pytest.mark.django_db
class TestSessions:
    def _age(self, client, key, seconds):
        session = client.session
        session[key] = timezone.now().timestamp() - seconds
        session.save()

    def test_a_new_session_key_at_login(self, client, inspector):
        client.get(reverse("login"))
        session = client.session
        session["before"] = 1
        session.save()
        before = session.session_key
        _login(client, "inspector")
        assert client.session.session_key != before

    def test_idle_for_longer_than_the_timeout_signs_out(self, client, inspector, settings):
        _login(client, "inspector")
        self._age(client, identity.SEEN_AT, settings.SESSION_IDLE_MINUTES * 60 - 30)
        assert _signed_in(client)
        self._age(client, identity.SEEN_AT, settings.SESSION_IDLE_MINUTES * 60 + 1)
        response = client.get(reverse("finding_list"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert not _signed_in(client)
        assert SecurityEvent.objects.get(event=Event.SESSION_EXPIRED).detail == {"reason": "idle"}

    def test_activity_does_not_outlast_the_absolute_lifetime(self, client, inspector, settings):
        _login(client, "inspector")
        self._age(client, identity.SIGNED_IN_AT, settings.SESSION_ABSOLUTE_HOURS * 3600 - 60)
        assert _signed_in(client)  # and active a moment ago
        self._age(client, identity.SIGNED_IN_AT, settings.SESSION_ABSOLUTE_HOURS * 3600 + 1)
        assert not _signed_in(client)
        assert SecurityEvent.objects.get(event=Event.SESSION_EXPIRED).detail == {"reason": "absolute"}

    def test_the_cookie_ends_with_the_browser(self, client, inspector):
        response = _login(client, "inspector")
        cookie = response.cookies["sessionid"]
        assert not cookie["expires"] and not cookie["max-age"]
        assert cookie["httponly"]

    def test_logout_ends_every_session_of_the_user(self, inspector):
        phone, desk = Client(), Client()
        _login(phone, "inspector")
        _login(desk, "inspector", address="10.0.0.2")
        assert _signed_in(phone) and _signed_in(desk)
        assert SignedInSession.objects.filter(user=inspector).count() == 2
        desk.post(reverse("logout"))
        assert not _signed_in(phone) and not _signed_in(desk)
        assert not SignedInSession.objects.filter(user=inspector).exists()

    def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(self, inspector):
        phone, desk = Client(), Client()
        _login(phone, "inspector")
        _login(desk, "inspector")
        desk.post(reverse("password_change"), {
            "old_password": PASSWORD, "new_password1": "Nn3w-Passw0rd!", "new_password2": "Nn3w-Passw0rd!"})
        assert _signed_in(desk) and not _signed_in(phone)

    def test_deactivation_ends_every_session(self, client, inspector, sysadmin):
        phone = Client()
        _login(phone, "inspector")
        _post_change(client, sysadmin, inspector, is_active=None)
        inspector.refresh_from_db()
        assert not inspector.is_active
        assert not SignedInSession.objects.filter(user=inspector).exists()
        assert not _signed_in(phone)


@pytest.mark.django_db
class TestSeparationOfDuties:
    """三员分立: three administrator roles, three accounts, none reading business records."""

    def test_the_three_administrator_roles_are_distinct_and_read_no_business_record(self):
        from registry.models import ROLES

        administrators = [role for role, spec in ROLES.items() if spec.administrator]
        assert sorted(administrators) == sorted([Role.SYSADMIN, Role.SECADMIN, Role.AUDIT_ADMIN])
        assert not any(ROLES[role].business for role in administrators)
        for role in administrators:
            user = UserFactory(role=role)
            assert not any(user.has_perm(a) for a in ("finding.list", "item.list", "circular.list", "visit.list"))
        may = {role: {a for a in ("user.add", "user.change_role", "lockout.lift_address", "audit.view")
                      if UserFactory(role=role).has_perm(a)} for role in administrators}
        assert may == {Role.SYSADMIN: {"user.add", "lockout.lift_address"}, Role.SECADMIN: {"lockout.lift_address"},
                       Role.AUDIT_ADMIN: {"audit.view"}}

    def test_an_account_holds_one_role_and_create_admin_will_not_give_it_a_second(self):
        import io

        from django.core.management import CommandError, call_command

        call_command("create_admin", "sun", "--role", "sysadmin", "--password", "Xx12345678!Ab", stdout=io.StringIO())
        with pytest.raises(CommandError, match="account of its own"):
            call_command("create_admin", "sun", "--role", "audit_admin", "--password", "Xx12345678!Ab",
                         stdout=io.StringIO())
        from registry.models import User

        sun = User.objects.get(username="sun")
        assert sun.role == Role.SYSADMIN and not sun.is_superuser
        assert not sun.has_perm("audit.view")

    def test_no_superuser_exists_to_combine_them(self):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            UserFactory(role=Role.SYSADMIN, is_superuser=True)
