"""The register of households under verification: households, their members and each
member's signed authorisation. Every service names its actor, validates, and runs under
a transaction."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import LeadingGroup

from .models import Authorization, Household, HouseholdMember


@dataclass
class MemberData:
    name: str
    relation: str
    id_number: str
    has_capacity: bool = True


def save_validated(obj, actor, reason: str = "", **clean):
    """Validate and save ``obj``, its history row attributed to ``actor`` (with the
    ``reason`` for the change, if given). ``clean``: ``full_clean``'s options, for a
    caller that has already checked some of it under a lock. Shared by the verification
    services."""
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    obj.full_clean(**clean)
    obj.save()
    return obj


@transaction.atomic
def household_register(
    *,
    actor,
    office: LeadingGroup,
    address: str,
    town: str,
    assistance_type: str,
    irregular_income: bool = False,
    members: Sequence[MemberData] = (),
) -> Household:
    """Register a household and its members."""
    household = save_validated(
        Household(
            office=office,
            address=address,
            town=town,
            assistance_type=assistance_type,
            irregular_income=irregular_income,
            created_by=actor,
        ),
        actor,
    )
    for data in members:
        member_add(actor=actor, household=household, data=data)
    return household


@transaction.atomic
def household_update_address(
    *, actor, household: Household, address: str, town: str, reason: str
) -> Household:
    """Change a household's address and town after registration (a move, a corrected
    entry). The earlier values stay in the household's history, with the actor and the
    ``reason``; a change that changes nothing is refused."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    address, town, reason = address.strip(), town.strip(), reason.strip()
    if (household.address, household.town) == (address, town):
        raise ValidationError(_("The address and the town are as on file: nothing was changed."))
    if not reason:
        raise ValidationError({"reason": _("Say why the address changes.")})
    household.address, household.town = address, town
    return save_validated(household, actor, reason=reason[:100])


@transaction.atomic
def member_add(*, actor, household: Household, data: MemberData) -> HouseholdMember:
    """Add a member; the ID number is validated (GB 11643) and unique in the household."""
    return save_validated(
        HouseholdMember(
            household=household,
            name=data.name,
            relation=data.relation,
            id_number=data.id_number,
            has_capacity=data.has_capacity,
        ),
        actor,
    )


@transaction.atomic
def member_update(*, actor, member: HouseholdMember, data: MemberData) -> HouseholdMember:
    """Change a member's name, relation, ID number or capacity."""
    member.name = data.name
    member.relation = data.relation
    member.id_number = data.id_number
    member.has_capacity = data.has_capacity
    return save_validated(member, actor)


@transaction.atomic
def authorization_record(
    *,
    actor,
    member: HouseholdMember,
    signed_on: datetime.date,
    valid_until: datetime.date,
    signer: str,
    scan,
    guardian_name: str = "",
) -> Authorization:
    """Record a member's signed authorisation with its scan (checked by the form).

    An authorisation for exactly the period of one on file is refused (the database's
    ``authorization_unique_period`` constraint, checked by ``full_clean``); one that only
    overlaps another is recorded, and the ones it overlaps are listed on the returned
    object's ``overlaps`` for the page to warn about."""
    # Serialise the member's authorisations, so two submissions at once cannot both pass
    # the duplicate check (the constraint would then refuse the second with an error).
    HouseholdMember.objects.select_for_update().filter(pk=member.pk).first()
    overlaps = authorization_overlaps(member=member, signed_on=signed_on, valid_until=valid_until)
    authorization = save_validated(
        Authorization(
            member=member,
            signed_on=signed_on,
            valid_until=valid_until,
            signer=signer,
            guardian_name=guardian_name if signer == Authorization.Signer.GUARDIAN else "",
            scan=scan,
            recorded_by=actor,
        ),
        actor,
    )
    authorization.overlaps = overlaps
    return authorization


def authorization_overlaps(
    *, member: HouseholdMember, signed_on: datetime.date, valid_until: datetime.date
) -> list[Authorization]:
    """The member's authorisations on file whose period shares a day with the given one."""
    return list(
        member.authorizations.filter(signed_on__lte=valid_until, valid_until__gte=signed_on)
        .exclude(signed_on=signed_on, valid_until=valid_until)
        .order_by("signed_on", "pk")
    )


def members_without_authorization(
    household: Household, *, on: datetime.date | None = None
) -> list[HouseholdMember]:
    """Members with no authorisation covering ``on`` (today by default)."""
    on = on or timezone.localdate()
    covered = set(
        Authorization.objects.filter(
            member__household=household, signed_on__lte=on, valid_until__gte=on
        ).values_list("member_id", flat=True)
    )
    return [m for m in household.members.order_by("pk") if m.pk not in covered]
