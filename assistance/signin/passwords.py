"""Password rules beyond Django's own validators, and the record of each password's age."""

import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import ngettext

from assistance.signin.models import PasswordRecord

CHARACTER_CLASSES = (
    set(string.ascii_lowercase),
    set(string.ascii_uppercase),
    set(string.digits),
)


def character_classes(password: str) -> int:
    """How many of the four classes (lower case, upper case, digits, anything else) the
    password uses. Letters outside ASCII (e.g. Chinese characters) count as "anything else"."""
    used = [bool(set(password) & chars) for chars in CHARACTER_CLASSES]
    others = any(not any(ch in chars for chars in CHARACTER_CLASSES) for ch in password)
    return sum(used) + others


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, other
    characters (等保 level 3 asks for complexity, not only length)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.message(), code="password_too_simple")

    def message(self) -> str:
        return ngettext(
            "The password must mix at least %(count)d kind of characters: lower-case "
            "letters, upper-case letters, digits, other characters.",
            "The password must mix at least %(count)d of these kinds of characters: "
            "lower-case letters, upper-case letters, digits, other characters.",
            self.min_classes,
        ) % {"count": self.min_classes}

    def get_help_text(self):
        return self.message()


class PasswordAgeValidator:
    """Refuses nothing. Django calls ``password_changed`` of every configured validator
    whenever a user's password is saved (set by the user, by an administrator, or at
    account creation): that is when the password's age starts."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        PasswordRecord.objects.update_or_create(user=user, defaults={"changed_at": timezone.now()})

    def get_help_text(self):
        days = settings.PASSWORD_MAX_AGE_DAYS
        if not days:
            return ""
        return ngettext(
            "You will be asked to change it after %(days)d day.",
            "You will be asked to change it after %(days)d days.",
            days,
        ) % {"days": days}
