"""A referral its unit closes as granted becomes a ledger entry by itself, in the same
transaction (intake sends ``referral_granted``; the ledger, above it, listens)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from intake import services as intake
from intake.models import Referral
from ledger.models import LedgerEntry
from tests.intake.conftest import receive, refer

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(clerk, group, liaison, unit, members, dibao):
    """An application of the family's applicant, referred to ``unit`` and signed for."""
    applicant = members[0]
    application = receive(
        clerk,
        group,
        [dibao],
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        household=applicant.household,
    )
    (referral,) = refer(clerk, application, unit)
    return intake.referral_sign(actor=liaison, referral=referral)


def close(liaison, referral, **outcome):
    return intake.referral_close(actor=liaison, referral=referral, result=intake.Outcome(**outcome))


def test_a_granted_amount_becomes_an_entry_of_that_day(liaison, referral, unit, members, dibao):
    close(
        liaison, referral, outcome=Referral.Outcome.GRANTED, program=dibao, amount=Decimal("3000")
    )
    entry = LedgerEntry.objects.get()
    today = timezone.localdate()
    assert (entry.unit, entry.household, entry.member, entry.program) == (
        unit,
        members[0].household,
        members[0],
        dibao,
    )
    assert (entry.amount, entry.amount_per) == (Decimal("3000.00"), "total")
    assert (entry.period_from, entry.period_to) == (today, today)
    assert (entry.source, entry.referral_id) == ("referral", referral.pk)
    assert entry.history.get().history_user == liaison


def test_a_granted_service_runs_until_the_unit_ends_it(liaison, referral, dibao):
    close(liaison, referral, outcome=Referral.Outcome.GRANTED, program=dibao, service="上门照料")
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.service, entry.period_to) == (None, "上门照料", None)


@pytest.mark.parametrize(
    "outcome",
    [
        {"outcome": Referral.Outcome.REFUSED, "reason": "不符合条件。"},
        {"outcome": Referral.Outcome.GRANTED, "amount": Decimal("500")},  # no programme named
    ],
)
def test_no_entry_without_a_programme_granted(liaison, referral, outcome):
    close(liaison, referral, **outcome)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED
    assert not LedgerEntry.objects.exists()


def test_no_entry_for_an_applicant_without_a_registered_household(
    clerk, group, liaison, unit, dibao
):
    application = receive(clerk, group, [dibao])
    (referral,) = refer(clerk, application, unit)
    intake.referral_sign(actor=liaison, referral=referral)
    close(liaison, referral, outcome=Referral.Outcome.GRANTED, program=dibao, amount=Decimal("1"))
    assert not LedgerEntry.objects.exists()


def test_a_programme_granted_with_nothing_said_refuses_the_close(liaison, referral, dibao):
    with pytest.raises(intake.IntakeError) as refused:
        close(liaison, referral, outcome=Referral.Outcome.GRANTED, program=dibao)
    assert refused.value.field == "amount"
    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_PROGRESS
    assert not LedgerEntry.objects.exists()
