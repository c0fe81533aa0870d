"""factory_boy factories and small helpers for verification. Invented data only: the ID
numbers are made up, with a correct check character so they pass validation."""

import datetime
import itertools

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assistance.idnumbers import check_character
from verification import register
from verification.models import (
    AssistanceType,
    Authorization,
    Household,
    HouseholdMember,
    VerificationItem,
)

_sequence = itertools.count(1)


def make_id_number(born: datetime.date, *, region: str = "110105", sequence: int | None = None):
    """A valid (invented) ID number for someone born on ``born``."""
    sequence = next(_sequence) % 1000 if sequence is None else sequence
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def years_ago(years: int, *, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28))


def scan_file(name: str = "authorization.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test scan\n", content_type="application/pdf")


class VerificationItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VerificationItem

    code = factory.Sequence(lambda n: f"item-{n}")
    name = factory.Sequence(lambda n: f"核对事项{n}")
    unit = factory.SubFactory("tests.factories.MemberUnitFactory")
    description = "依法提供家庭成员相关信息。"
    order = factory.Sequence(int)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    office = factory.SubFactory("tests.factories.LeadingGroupFactory")
    address = factory.Sequence(lambda n: f"幸福路{n}号")
    town = "大峪街道"
    assistance_type = AssistanceType.DIBAO
    created_by = factory.SubFactory("tests.factories.UserFactory")


class HouseholdMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    relation = HouseholdMember.Relation.APPLICANT
    id_number = factory.LazyFunction(lambda: make_id_number(years_ago(40)))


class AuthorizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authorization

    member = factory.SubFactory(HouseholdMemberFactory)
    signed_on = factory.LazyFunction(datetime.date.today)
    valid_until = factory.LazyAttribute(lambda a: a.signed_on + datetime.timedelta(days=365))
    signer = Authorization.Signer.SELF
    scan = factory.django.FileField(filename="authorization.pdf", data=b"%PDF-1.4\n")
    recorded_by = factory.SubFactory("tests.factories.UserFactory")


def register_family(*, actor, office, today: datetime.date | None = None, town="大峪街道"):
    """Through the service, as a clerk would: an applicant, a spouse and a child of 10."""
    return register.household_register(
        actor=actor,
        office=office,
        address="幸福路1号院2号楼301",
        town=town,
        assistance_type=AssistanceType.DIBAO,
        members=[
            register.MemberData("王建国", "applicant", make_id_number(years_ago(45, today=today))),
            register.MemberData("李秀英", "spouse", make_id_number(years_ago(43, today=today))),
            register.MemberData("王小明", "child", make_id_number(years_ago(10, today=today))),
        ],
    )


def authorize_all(*, actor, household, signed_on: datetime.date | None = None, days=365):
    """Record a covering authorisation for every member (a guardian for those who need one)."""
    signed_on = signed_on or timezone.localdate()
    for member in household.members.order_by("pk"):
        guardian = member.needs_guardian
        register.authorization_record(
            actor=actor,
            member=member,
            signed_on=signed_on,
            valid_until=signed_on + datetime.timedelta(days=days),
            signer=Authorization.Signer.GUARDIAN if guardian else Authorization.Signer.SELF,
            guardian_name="王建国" if guardian else "",
            scan=scan_file(),
        )
