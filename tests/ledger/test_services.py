"""The ledger's services: a unit's liaison enters, corrects and ends its own unit's
entries, with the actor in the history; another unit's liaison, the office or bad input
are refused with a clear message and nothing changes; the rules are checked on each
change and the office director told."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import override

from assistance.models import Notification
from ledger import services
from ledger.models import LedgerEntry
from tests.factories import AssistanceProgramFactory, LeadingGroupFactory, MemberUnitFactory
from tests.ledger.conftest import DAY, data, enter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are read in English here unless a test asks for another language."""
    with override("en"):
        yield


def test_a_liaison_enters_assistance_for_a_person(liaison, unit, members, dibao):
    entry = enter(liaison, unit, members[0], dibao, document="西民救〔2026〕12号")
    entry.refresh_from_db()
    assert (entry.unit, entry.household, entry.member, entry.program) == (
        unit,
        members[0].household,
        members[0],
        dibao,
    )
    assert (entry.amount, entry.amount_per, entry.source) == (Decimal("800.00"), "month", "entered")
    assert entry.document_number == "西民救〔2026〕12号"
    created = entry.history.get()
    assert (created.history_type, created.history_user) == ("+", liaison)


def test_a_household_as_a_whole(liaison, unit, members, dibao):
    entry = enter(liaison, unit, members[1], dibao, whole_household=True)
    assert entry.member is None and entry.household == members[1].household


def test_another_units_liaison_cannot_write_this_units_ledger(other_liaison, unit, members, dibao):
    with pytest.raises(services.LedgerError) as refused:
        enter(other_liaison, unit, members[0], dibao)
    assert "liaisons" in refused.value.message
    assert not LedgerEntry.objects.exists()


def test_the_office_reads_but_does_not_write(clerk, unit, members, dibao):
    with pytest.raises(services.LedgerError):
        enter(clerk, unit, members[0], dibao)
    assert not LedgerEntry.objects.exists()


def test_a_household_of_another_office_is_refused(liaison, unit, clerk, dibao):
    from tests.verification.factories import register_family

    elsewhere = register_family(actor=clerk, office=LeadingGroupFactory())
    with pytest.raises(services.LedgerError) as refused:
        enter(liaison, unit, elsewhere.members.first(), dibao)
    assert "another office" in refused.value.message
    assert not LedgerEntry.objects.exists()


def test_a_programme_of_another_group_is_refused(liaison, unit, members):
    foreign = AssistanceProgramFactory(group=LeadingGroupFactory(), name="外地救助")
    with pytest.raises(services.LedgerError) as refused:
        enter(liaison, unit, members[0], foreign)
    assert refused.value.field == "program"


@pytest.mark.parametrize(
    ("kwargs", "message", "language"),
    [
        ({"amount": None, "service": ""}, "Give an amount, a service or both.", "en"),
        ({"amount": None, "service": ""}, "请填写金额或服务，或两者都填。", "zh-hans"),
        ({"end": datetime.date(2026, 2, 1)}, "The period cannot end before it starts.", "en"),
        ({"amount": "0"}, "The amount must be more than zero.", "en"),
        ({"amount": "-5"}, "The amount must be more than zero.", "en"),
        ({"start": None}, "Give the day the assistance starts.", "en"),
    ],
)
def test_bad_input_is_refused_in_the_users_language(
    liaison, unit, members, dibao, kwargs, message, language
):
    with override(language), pytest.raises(services.LedgerError) as refused:
        enter(liaison, unit, members[0], dibao, **kwargs)
    assert refused.value.message == message
    assert not LedgerEntry.objects.exists()
    assert not LedgerEntry.history.exists()


def test_correcting_an_entry_keeps_the_history(liaison, unit, members, dibao, tekun):
    entry = enter(liaison, unit, members[0], dibao)
    entry, found = services.entry_update(
        actor=liaison, entry=entry, data=data(tekun, amount="900", document="X-1")
    )
    entry.refresh_from_db()
    assert (entry.program, entry.amount, entry.document_number) == (tekun, Decimal("900"), "X-1")
    assert [h.history_type for h in entry.history.order_by("history_date")] == ["+", "~"]
    assert not found.any


def test_another_unit_cannot_correct_or_end(liaison, other_liaison, unit, members, dibao):
    entry = enter(liaison, unit, members[0], dibao)
    with pytest.raises(services.LedgerError):
        services.entry_update(actor=other_liaison, entry=entry, data=data(dibao, amount="1"))
    with pytest.raises(services.LedgerError):
        services.entry_end(actor=other_liaison, entry=entry, period_to=DAY, reason="已迁出本区。")
    entry.refresh_from_db()
    assert (entry.amount, entry.period_to) == (Decimal("800.00"), None)


def test_ending_an_entry_needs_a_day_and_a_reason(liaison, unit, members, dibao):
    entry = enter(liaison, unit, members[0], dibao)
    with pytest.raises(services.LedgerError) as refused:
        services.entry_end(actor=liaison, entry=entry, period_to=DAY, reason="  ")
    assert refused.value.field == "reason"
    with pytest.raises(services.LedgerError) as refused:
        services.entry_end(
            actor=liaison, entry=entry, period_to=datetime.date(2026, 1, 31), reason="已就业。"
        )
    assert "cannot end before it starts" in refused.value.message
    entry.refresh_from_db()
    assert entry.period_to is None and entry.end_reason == ""
    end = datetime.date(2026, 6, 30)
    entry, _found = services.entry_end(actor=liaison, entry=entry, period_to=end, reason="已就业。")
    entry.refresh_from_db()
    assert (entry.period_to, entry.end_reason) == (end, "已就业。")
    assert entry.history.latest("history_date").history_user == liaison


def test_breaking_a_rule_is_reported_and_the_director_told(
    liaison, director, unit, members, dibao, tekun, exclusive, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enter(liaison, unit, members[0], dibao)
    assert not Notification.objects.filter(user=director).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _entry, found = services.entry_create(
            actor=liaison, unit=unit, member=members[1], data=data(tekun)
        )
    assert found.duplicates == 1 and found.deaths == 0
    told = Notification.objects.get(user=director)
    assert "特困人员供养" in told.message


def test_a_second_unit_of_another_group_cannot_use_this_groups_programme(clerk, members, dibao):
    stranger_unit = MemberUnitFactory(group=LeadingGroupFactory(), code="stranger")
    from tests.register import liaison as make_liaison

    stranger = make_liaison("stranger", stranger_unit)
    with pytest.raises(services.LedgerError):
        enter(stranger, stranger_unit, members[0], dibao)
    assert not LedgerEntry.objects.exists()
