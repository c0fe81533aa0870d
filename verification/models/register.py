"""The register: households, their members and each member's signed authorisation
(授权书), with the rules on its dates."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assistance.idnumbers import IdNumberField, birth_date, mask_id_number, normalize_id_number
from members.models import LeadingGroup

ADULT_AGE = 18


class AssistanceType(models.TextChoices):
    DIBAO = "dibao", _("Minimum living allowance (低保)")
    TEKUN = "tekun", _("Special-hardship support (特困)")
    TEMPORARY = "temporary", _("Temporary assistance (临时救助)")
    LOW_INCOME = "low_income", _("Low-income household (低收入)")
    RECHECK = "recheck", _("Periodic re-check")


class Household(models.Model):
    """A household applying for assistance or due for a re-check."""

    office = models.ForeignKey(
        LeadingGroup, verbose_name=_("office"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("address"), max_length=200)
    town = models.CharField(_("town or subdistrict"), max_length=60, db_index=True)
    assistance_type = models.CharField(
        _("applies for"), max_length=20, choices=AssistanceType.choices
    )
    irregular_income = models.BooleanField(
        _("irregular income"),
        default=False,
        help_text=_(
            "Households with irregular income are re-checked every 6 months, others yearly."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.town} {self.address}"

    def get_absolute_url(self):
        return reverse("verification:household_detail", kwargs={"pk": self.pk})


class HouseholdMember(models.Model):
    """A member of a household; the ID number is personal data, shown masked in lists."""

    class Relation(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Sibling")
        GRANDPARENT = "grandparent", _("Grandparent")
        GRANDCHILD = "grandchild", _("Grandchild")
        OTHER = "other", _("Other relative")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("name"), max_length=60)
    relation = models.CharField(
        _("relation to the applicant"), max_length=20, choices=Relation.choices
    )
    id_number = IdNumberField(_("ID number"), db_index=True)
    has_capacity = models.BooleanField(
        _("has full civil capacity"),
        default=True,
        help_text=_("Untick for a person without capacity: a guardian signs for them."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "id_number"],
                name="member_id_unique_in_household",
                violation_error_message=_("This ID number is already a member of the household."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.masked_id})"

    def clean(self):
        self.id_number = normalize_id_number(self.id_number)

    @property
    def masked_id(self):
        return mask_id_number(self.id_number)

    @property
    def birth_date(self) -> datetime.date | None:
        try:
            return birth_date(self.id_number)
        except (ValueError, IndexError):
            return None

    def age_on(self, day: datetime.date) -> int | None:
        born = self.birth_date
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def needs_guardian(self) -> bool:
        """Minors and people without capacity have a guardian sign for them."""
        age = self.age_on(timezone.localdate())
        return not self.has_capacity or (age is not None and age < ADULT_AGE)


def authorization_upload_to(instance, filename):
    # Never keep the uploaded name: it may carry a person's name or ID number.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"authorizations/{now:%Y/%m}/{instance.member_id}-{now:%H%M%S%f}.{suffix}"


class Authorization(models.Model):
    """A signed authorisation (授权书) for the office to verify a member's economic status."""

    class Signer(models.TextChoices):
        SELF = "self", _("The member")
        GUARDIAN = "guardian", _("A guardian")

    member = models.ForeignKey(
        HouseholdMember,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="authorizations",
    )
    signed_on = models.DateField(_("signed on"))
    signer = models.CharField(_("signed by"), max_length=10, choices=Signer.choices)
    guardian_name = models.CharField(_("guardian's name"), max_length=60, blank=True)
    valid_until = models.DateField(_("valid until"))
    scan = models.FileField(_("scan"), upload_to=authorization_upload_to)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = _("authorisations")
        ordering = ["member", "-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("signed_on")),
                name="authorization_valid_after_signing",
                violation_error_message=_("An authorisation cannot expire before it is signed."),
            ),
            models.CheckConstraint(
                condition=Q(signer="self") | ~Q(guardian_name=""),
                name="authorization_guardian_named",
                violation_error_message=_("Name the guardian who signed."),
            ),
            # The same member's authorisation for the same period, recorded twice, is a
            # clerk's slip (a double submission, or the same paper entered again).
            models.UniqueConstraint(
                fields=["member", "signed_on", "valid_until"],
                name="authorization_unique_period",
                violation_error_message=_(
                    "This member already has an authorisation for exactly this period: "
                    "nothing was recorded."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.member.name} {self.signed_on}–{self.valid_until}"

    def covers(self, day: datetime.date) -> bool:
        return self.signed_on <= day <= self.valid_until

    def clean(self):
        errors = authorization_date_errors(
            member=self.member if self.member_id else None,
            signed_on=self.signed_on,
            valid_until=self.valid_until,
        )
        if self.member_id and self.signer == self.Signer.SELF and self.member.needs_guardian:
            errors.setdefault(
                "signer", _("This member is a minor or lacks capacity: a guardian must sign.")
            )
        if errors:
            raise ValidationError(errors)


def authorization_date_errors(
    *, member: HouseholdMember | None, signed_on, valid_until
) -> dict[str, str]:
    """The impossible dates of an authorisation, by field: signed in the future or before
    the member was born, expiring before it was signed, or valid for longer than
    ``AUTHORIZATION_MAX_VALID_YEARS`` allows. Used by the model and the form alike."""
    errors = {}
    if signed_on is None or valid_until is None:
        return errors
    if signed_on > timezone.localdate():
        errors["signed_on"] = _("An authorisation cannot be signed in the future.")
    elif member is not None and member.birth_date and signed_on < member.birth_date:
        errors["signed_on"] = _(
            "The member was born on %(born)s: an authorisation cannot be signed before that."
        ) % {"born": member.birth_date.isoformat()}
    years = settings.AUTHORIZATION_MAX_VALID_YEARS
    if valid_until < signed_on:
        errors["valid_until"] = _("An authorisation cannot expire before it is signed.")
    elif valid_until > _years_after(signed_on, years):
        errors["valid_until"] = _(
            "An authorisation is valid for at most %(years)d years from its signing: "
            "until %(limit)s at the latest."
        ) % {"years": years, "limit": _years_after(signed_on, years).isoformat()}
    return errors


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)
