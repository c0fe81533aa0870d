"""Which household of the register an application belongs to: one the duplicate check
found (the applicant must be one of its members, so a clerk cannot attach an application
to a stranger's household by editing a form), or a new one registered at the window with
the applicant and the members they name."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from assistance.idnumbers import normalize_id_number
from members.models import LeadingGroup
from verification.models import Household, HouseholdMember
from verification.register import MemberData, household_register

from .base import IntakeError


@dataclass
class NewHousehold:
    """A household registered with the application: what it applies for and the members
    besides the applicant (who is always its first member)."""

    assistance_type: str
    members: list[MemberData] = field(default_factory=list)


def is_member(
    household: Household, *, id_number: str, name: str, birth_date: datetime.date | None
) -> bool:
    """Whether the applicant is a member of ``household``: by the normalised ID number, or
    by name and date of birth when there is no number (the duplicate check's own rule)."""
    members = HouseholdMember.objects.filter(household=household)
    if id_number:
        return members.filter(id_number=normalize_id_number(id_number)).exists()
    if name and birth_date:
        born = birth_date.strftime("%Y%m%d")
        members = members.annotate(born=Substr("id_number", 7, 8))
        return members.filter(name=name.strip(), born=born).exists()
    return False


def check_registered(household: Household, *, office: LeadingGroup, applicant: dict) -> Household:
    """``household`` if the application may be filed under it, else ``IntakeError``."""
    if household.office_id != office.pk:
        raise IntakeError(_("That household is registered with another office."))
    if not is_member(household, **applicant):
        raise IntakeError(_("The applicant is not a member of that household."))
    return household


def register_new(
    *, actor, office: LeadingGroup, applicant: dict, address: str, town: str, new: NewHousehold
) -> Household:
    """Register the applicant's household with its members; every refusal of the register
    (an invalid or repeated ID number, a missing address) is an ``IntakeError``."""
    if not applicant["id_number"]:
        raise IntakeError(_("A household is registered with the applicant's ID number."))
    if not address.strip() or not town.strip():
        raise IntakeError(_("A household is registered with its address and town."))
    members = [
        MemberData(
            name=applicant["name"].strip(),
            relation=HouseholdMember.Relation.APPLICANT,
            id_number=applicant["id_number"],
        ),
        *new.members,
    ]
    try:
        with transaction.atomic():
            return household_register(
                actor=actor,
                office=office,
                address=address.strip(),
                town=town.strip(),
                assistance_type=new.assistance_type,
                members=members,
            )
    except ValidationError as exc:
        raise IntakeError(" ".join(exc.messages)) from None
