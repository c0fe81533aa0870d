"""The ledger's world: two programmes of the test group that exclude each other (低保 and
特困供养), a third one, a registered family of three, and helpers to enter entries through
the service as a unit's liaison would."""

import datetime
from decimal import Decimal

import pytest

from ledger import services
from ledger.models import LocalStandard, ProgramRule
from tests.factories import AssistanceProgramFactory
from tests.verification.factories import register_family

DAY = datetime.date(2026, 3, 1)


@pytest.fixture
def dibao(group, unit):
    return AssistanceProgramFactory(group=group, name="最低生活保障", lead_unit=unit, order=1)


@pytest.fixture
def tekun(group, unit):
    return AssistanceProgramFactory(group=group, name="特困人员供养", lead_unit=unit, order=2)


@pytest.fixture
def medical(group, other_unit):
    return AssistanceProgramFactory(group=group, name="医疗救助", lead_unit=other_unit, order=3)


@pytest.fixture
def exclusive(dibao, tekun):
    """低保 and 特困供养 exclude each other for the same household."""
    return ProgramRule.objects.create(program=dibao, kind="excludes", other=tekun)


@pytest.fixture
def family(clerk, group):
    return register_family(actor=clerk, office=group)


@pytest.fixture
def members(family):
    return list(family.members.order_by("pk"))


@pytest.fixture
def standard(group):
    return LocalStandard.objects.create(
        office=group,
        valid_from=datetime.date(2020, 1, 1),
        income_per_head_month=Decimal("1000"),
        property_per_head=Decimal("50000"),
    )


def data(program, *, start=DAY, end=None, amount="800", per="month", service="", document=""):
    return services.EntryData(
        program=program,
        period_from=start,
        period_to=end,
        amount=Decimal(amount) if amount else None,
        amount_per=per,
        service=service,
        document_number=document,
    )


def enter(liaison, unit, member, program, *, whole_household=False, **kwargs):
    entry, _found = services.entry_create(
        actor=liaison,
        unit=unit,
        member=member,
        data=data(program, **kwargs),
        whole_household=whole_household,
    )
    return entry
