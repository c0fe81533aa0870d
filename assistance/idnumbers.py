"""Resident ID numbers (公民身份号码, GB 11643-1999): validation with a message for each
kind of mistake, and masking for lists, reports and notifications."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def normalize_id_number(value: str) -> str:
    """Strip spaces and upper-case a trailing x, as clerks type it either way."""
    return re.sub(r"\s+", "", value or "").upper()


def check_character(first17: str) -> str:
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def birth_date(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def validate_id_number(value: str) -> None:
    """Raise ValidationError naming what is wrong: length, characters, birth date or the
    check character."""
    value = normalize_id_number(value)
    if len(value) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(length)d."),
            code="id_length",
            params={"length": len(value)},
        )
    if not _SHAPE.match(value):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), code="id_characters"
        )
    try:
        born = birth_date(value)
    except ValueError:
        raise ValidationError(
            _("Digits 7 to 14 of an ID number are the birth date; %(date)s is not a date."),
            code="id_birth_date",
            params={"date": value[6:14]},
        ) from None
    if born > datetime.date.today() or born.year < 1880:
        raise ValidationError(
            _("The birth date in this ID number, %(date)s, is not possible."),
            code="id_birth_date",
            params={"date": born.isoformat()},
        )
    if check_character(value[:17]) != value[17]:
        raise ValidationError(
            _(
                "The last character does not match the others: "
                "check the number for a typing mistake."
            ),
            code="id_checksum",
        )


def mask_id_number(value: str) -> str:
    """First 6 and last 4 characters, the birth date and sequence hidden."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
