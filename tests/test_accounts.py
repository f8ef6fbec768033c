"""Login, password rules, language switch."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from registry.passwords import CharacterClassesValidator


class TestPasswordRules:
    @pytest.mark.parametrize("password", ["Hallway7x", "abcdef1!", "ABCDEF1!", "Zuofeng#2026"])
    def test_three_classes_and_eight_characters_pass(self, password):
        validate_password(password)

    @pytest.mark.parametrize("password", ["abcdefgh1", "ABCDEFGHI", "abc!defgh", "Ab1!"])
    def test_fewer_classes_or_too_short_fail(self, password):
        with pytest.raises(ValidationError):
            validate_password(password)

    def test_message_is_chinese(self):
        with pytest.raises(ValidationError) as caught:
            CharacterClassesValidator().validate("abcdefgh")
        assert "至少 3 类" in caught.value.messages[0]


@pytest.mark.django_db
class TestLogin:
    def test_login_page_is_chinese(self, client):
        page = client.get(reverse("login")).content.decode()
        assert "登录" in page and 'lang="zh-hans"' in page

    def test_login_with_username_and_password(self, client, hall_manager):
        response = client.post(reverse("login"), {"username": "manager", "password": "Passw0rd!"})
        assert response.status_code == 302 and response["Location"] == reverse("home")

    def test_wrong_password_is_refused_in_chinese(self, client, hall_manager):
        response = client.post(reverse("login"), {"username": "manager", "password": "wrong"})
        assert response.status_code == 200
        assert "请输入一个正确的" in response.content.decode()

    def test_password_change_applies_the_rules(self, client, hall_manager):
        client.force_login(hall_manager)
        response = client.post(
            reverse("password_change"),
            {"old_password": "Passw0rd!", "new_password1": "abcdefgh", "new_password2": "abcdefgh"},
        )
        assert response.status_code == 200
        assert "至少 3 类" in response.content.decode()
        response = client.post(
            reverse("password_change"),
            {"old_password": "Passw0rd!", "new_password1": "Zuofeng#2026", "new_password2": "Zuofeng#2026"},
        )
        assert response.status_code == 302
        hall_manager.refresh_from_db()
        assert hall_manager.check_password("Zuofeng#2026")

    def test_logout_is_a_post(self, client, hall_manager):
        client.force_login(hall_manager)
        assert client.post(reverse("logout")).status_code == 302
        assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
class TestLanguage:
    def test_chinese_even_when_the_browser_asks_for_english(self, client, hall_manager):
        client.force_login(hall_manager)
        page = client.get(reverse("hall_list"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
        assert 'lang="zh-hans"' in page and "服务大厅" in page

    def test_the_switch_changes_to_english_and_back(self, client, hall_manager):
        client.force_login(hall_manager)
        client.post(reverse("set_language"), {"language": "en", "next": reverse("hall_list")})
        page = client.get(reverse("hall_list")).content.decode()
        assert 'lang="en"' in page and "Service halls" in page
        client.post(reverse("set_language"), {"language": "zh-hans"})
        assert "服务大厅" in client.get(reverse("hall_list")).content.decode()
