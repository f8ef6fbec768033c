from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _character_classes(password: str) -> int:
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class NotTheUsernameValidator:
    """Not the account's name, forwards or backwards, whatever the case (the similarity check
    Django ships lets a long password through that merely contains it)."""

    def validate(self, password, user=None):
        name = (getattr(user, "username", "") or "").casefold()
        if len(name) >= 3 and (name in password.casefold() or name[::-1] in password.casefold()):
            raise ValidationError(self.get_help_text(), code="password_contains_username")

    def get_help_text(self):
        return _("密码不能包含用户名。")


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case, upper-case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if _character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_few_character_classes")

    def get_help_text(self):
        return ngettext(
            "密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。",
            "密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。",
            self.min_classes,
        ) % {"n": self.min_classes}

