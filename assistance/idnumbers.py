"""Resident ID numbers (公民身份号码, GB 11643-1999): normalisation, validation with a
message for each kind of mistake, masking for lists, reports and notifications, and the
model field that stores only the normalised ASCII form.

Every ID number that enters the system (forms, models, registry snapshots, searches) goes
through ``normalize_id_number`` first: a number typed with full-width digits (１１０１…),
spaces or a lower-case x is the same person as the plain one, and must be stored and
compared as such, or it slips past the one-member-per-household rule."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# ASCII digits only: Python's \d also matches other scripts' digits (Arabic-Indic, …).
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def normalize_id_number(value) -> str:
    """The ASCII form of an ID number as typed: compatibility forms folded (NFKC turns
    full-width digits, X and spaces into plain ones), every kind of white space removed
    (including the full-width space), a trailing x upper-cased. Anything still not ASCII
    digits and X is left for ``validate_id_number`` to refuse."""
    value = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"\s+", "", value).upper()


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
    if not _SHAPE.fullmatch(value):
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


class IdNumberField(models.CharField):
    """A CharField for resident ID numbers that normalises (``normalize_id_number``) what it
    is given, whether it comes from a form, a service or a query, so only the ASCII form
    is ever stored or looked up; validated with ``validate_id_number``."""

    default_validators = [validate_id_number]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value if value is None else normalize_id_number(value)

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value is not None:
            value = normalize_id_number(value)
            setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else normalize_id_number(value)
