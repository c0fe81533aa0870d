"""The monitoring's world: the test group with a records department whose items mean each
fact the rules read, a town (subdistrict) with its liaison, a registered family of three,
and helpers to upload an extract, verify a household and evaluate, as the pages and tasks
would."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assistance.roles import Role
from monitoring.evaluation import evaluate
from monitoring.models import EvaluationRun, WarningRule
from tests.factories import LiaisonFactory, MemberUnitFactory, UserFactory
from tests.ledger.conftest import family, members, standard  # noqa: F401 (fixtures)
from tests.ledger.test_conflicts import _verify
from tests.verification.factories import (
    VerificationItemFactory,
    make_id_number,
    years_ago,
)
from verification import register
from verification.connectors import snapshot_import
from verification.models import AssistanceType, ItemMeaning, RegistrySnapshot

# item code -> (meaning, has an amount)
ITEMS = {
    "mon-disabled": (ItemMeaning.DISABILITY, False),
    "mon-illness": (ItemMeaning.ILLNESS, False),
    "mon-unemployed": (ItemMeaning.UNEMPLOYED, False),
    "mon-hospital": (ItemMeaning.HOSPITAL, True),
    "mon-death": (ItemMeaning.DEATH, False),
    "mon-school": (ItemMeaning.SCHOOL, False),
    "mon-housing": (ItemMeaning.HOUSING, False),
    "mon-income": (ItemMeaning.INCOME, True),
}


@pytest.fixture
def items(unit):
    """The police (``unit``) answers every fact, for brevity: one item per meaning."""
    return {
        code: VerificationItemFactory(
            unit=unit, code=code, name=code, meaning=meaning, has_amount=amount
        )
        for code, (meaning, amount) in ITEMS.items()
    }


@pytest.fixture
def town(group):
    return MemberUnitFactory(
        group=group, name="大峪街道办事处", code="test-dayu", kind="subdistrict"
    )


@pytest.fixture
def town_liaison(town):
    user = UserFactory(username="liaison-dayu", roles=[Role.UNIT_LIAISON])
    return LiaisonFactory(unit=town, user=user).user


def household(clerk, group, *people, kind=AssistanceType.DIBAO, address="幸福路9号"):
    """A household of the register in 大峪街道, through the service: ``people`` are
    (name, relation, age)."""
    return register.household_register(
        actor=clerk,
        office=group,
        address=address,
        town="大峪街道",
        assistance_type=kind,
        members=[
            register.MemberData(name, relation, make_id_number(years_ago(age)))
            for name, relation, age in people
        ],
    )


def extract(liaison, unit, rows, *, taken_on=None) -> RegistrySnapshot:
    """Upload and import ``unit``'s extract: rows of (ID number, item code[, details,
    amount])."""
    lines = ["身份证号码,核对事项,详情,金额"]
    for row in rows:
        number, code, details, amount = (*row, "", "")[:4]
        lines.append(f"{number},{code},{details or '记录'},{amount}")
    return snapshot_import(
        actor=liaison,
        unit=unit,
        upload=SimpleUploadedFile("extract.csv", ("\n".join(lines) + "\n").encode()),
        taken_on=taken_on or timezone.localdate(),
    )


def rule(group, kind, *, grade=1, name=None, **parameters) -> WarningRule:
    return WarningRule.objects.create(
        office=group,
        name=name or kind,
        kind=kind,
        grade=grade,
        deadline_days=5,
        reason_template="{name} {town}: {details} {amount}",
        **parameters,
    )


def run(today=None, **kwargs) -> EvaluationRun:
    return evaluate(trigger=EvaluationRun.Trigger.SCHEDULE, today=today, **kwargs)


def verify(capture, clerk, household, liaison, unit, found: dict):
    """A completed request of ``household``, ``unit``'s check answered by ``liaison`` with
    ``found`` ({(member, item): amount or True}) and no record otherwise (the ledger's
    tests' own helper)."""
    return _verify(capture, clerk, household, {(liaison, unit): found})
