"""Each kind of rule raises its warnings from what the application holds, once, and closes
them when their cause goes away."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger import services as ledger
from monitoring.models import EarlyWarning, Grade, RuleKind
from tests.factories import AssistanceProgramFactory
from tests.verification.factories import make_id_number, years_ago
from verification import register
from verification.models import AssistanceType

from .conftest import extract, household, rule, run, verify

pytestmark = pytest.mark.django_db


def open_warnings(found_rule):
    return list(
        EarlyWarning.objects.filter(rule=found_rule, status__in=EarlyWarning.OPEN).order_by("pk")
    )


def test_a_member_newly_registered_disabled(group, liaison, unit, items, members):
    disability = rule(group, RuleKind.DISABILITY_NEW, grade=Grade.ORANGE)
    extract(liaison, unit, [(members[1].id_number, "mon-disabled", "肢体二级")])
    first = run()
    (warning,) = open_warnings(disability)
    assert (warning.member, warning.household, warning.grade) == (
        members[1],
        members[1].household,
        2,
    )
    assert warning.evidence_text == "肢体二级" and warning.source_type.model == "registryrecord"
    assert warning.status == EarlyWarning.Status.RAISED and warning.raised_run == first
    assert first.raised == 1 and first.details[0]["raised"] == 1
    assert warning.reason() == f"{members[1].name} 大峪街道: 肢体二级 "

    again = run()  # nothing new: no duplicate
    assert again.raised == 0 and EarlyWarning.objects.count() == 1

    extract(liaison, unit, [(members[0].id_number, "mon-unemployed")])  # the record is gone
    closed = run()
    warning.refresh_from_db()
    assert closed.resolved == 1 and warning.status == EarlyWarning.Status.RESOLVED
    assert warning.closed_run == closed and warning.closed_at is not None
    kinds = list(warning.history.order_by("history_date").values_list("history_type", "status"))
    assert kinds == [("+", "raised"), ("~", "resolved")]


def test_a_disability_recorded_long_ago_is_not_new_but_its_warning_stays_open(
    group, liaison, unit, items, members
):
    disability = rule(group, RuleKind.DISABILITY_NEW, within_days=30)
    old = timezone.localdate() - datetime.timedelta(days=60)
    extract(liaison, unit, [(members[0].id_number, "mon-disabled")], taken_on=old)
    extract(
        liaison,
        unit,
        [(members[0].id_number, "mon-disabled"), (members[2].id_number, "mon-disabled")],
    )
    run()
    assert [w.member for w in open_warnings(disability)] == [members[2]]
    # Forty days on, the second is no longer new either, but it has not gone away.
    run(today=timezone.localdate() + datetime.timedelta(days=40))
    assert [w.member for w in open_warnings(disability)] == [members[2]]


def test_unemployed_and_an_inactive_rule(group, liaison, unit, items, members):
    unemployed = rule(group, RuleKind.UNEMPLOYED, grade=Grade.YELLOW)
    idle = rule(group, RuleKind.UNEMPLOYED, name="停用", active=False)
    extract(liaison, unit, [(members[0].id_number, "mon-unemployed")])
    run()
    assert [w.member for w in open_warnings(unemployed)] == [members[0]]
    assert open_warnings(idle) == []


def test_hospital_costs_over_the_amount_and_recent(group, liaison, unit, items, members):
    hospital = rule(group, RuleKind.HOSPITAL_COSTS, min_amount=Decimal("20000"), within_days=90)
    extract(
        liaison,
        unit,
        [
            (members[0].id_number, "mon-hospital", "住院", "19999.99"),
            (members[1].id_number, "mon-hospital", "住院", "35000"),
        ],
    )
    run()
    (warning,) = open_warnings(hospital)
    assert warning.member == members[1] and warning.evidence_amount == Decimal("35000.00")
    assert "35,000.00" in warning.reason()


def test_a_death_in_a_household_of_several(clerk, group, liaison, unit, items, members):
    death = rule(group, RuleKind.DEATH)
    alone = household(clerk, group, ("孤某", "applicant", 80))
    lone = alone.members.get()
    extract(liaison, unit, [(members[0].id_number, "mon-death"), (lone.id_number, "mon-death")])
    run()
    (warning,) = open_warnings(death)
    assert warning.member == members[0] and warning.household == members[0].household


def test_income_under_the_standard_without_assistance(
    clerk,
    group,
    liaison,
    unit,
    items,
    family,
    members,
    standard,
    django_capture_on_commit_callbacks,
):
    under = rule(group, RuleKind.INCOME_UNDER_STANDARD, grade=Grade.ORANGE)
    # 18,000 a year for three people: 500 a person a month, half the line of 1,000.
    request = verify(
        django_capture_on_commit_callbacks,
        clerk,
        family,
        liaison,
        unit,
        {(members[0], items["mon-income"]): "18000"},
    )
    run()
    (warning,) = open_warnings(under)
    assert warning.member is None and warning.household == family
    assert (warning.evidence_amount, warning.evidence_line) == (
        Decimal("500.00"),
        Decimal("1000.00"),
    )
    assert (warning.source_type.model, warning.source_id) == ("verificationrequest", request.pk)

    # A unit now assists the household: the cause went away.
    program = AssistanceProgramFactory(group=group, name="最低生活保障", lead_unit=unit)
    ledger.entry_create(
        actor=liaison,
        unit=unit,
        member=members[0],
        data=ledger.EntryData(
            program=program,
            period_from=timezone.localdate(),
            period_to=None,
            amount=Decimal("500"),
            amount_per="month",
            service="",
            document_number="",
        ),
        whole_household=True,
    )
    assert run().resolved == 1
    warning.refresh_from_db()
    assert warning.status == EarlyWarning.Status.RESOLVED


def test_income_over_a_share_of_the_standard_raises_nothing(
    clerk,
    group,
    liaison,
    unit,
    items,
    family,
    members,
    standard,
    django_capture_on_commit_callbacks,
):
    rule(group, RuleKind.INCOME_UNDER_STANDARD, share_of_standard=40)
    found = {(members[0], items["mon-income"]): "18000"}  # 500 a month: over 40% of 1,000
    verify(django_capture_on_commit_callbacks, clerk, family, liaison, unit, found)
    assert run().raised == 0


def test_a_child_starting_school_in_a_low_income_household(
    clerk, group, liaison, unit, items, members
):
    school = rule(group, RuleKind.SCHOOL_START, household_types=[AssistanceType.DIBAO])
    other = household(clerk, group, ("钱某", "applicant", 7), kind=AssistanceType.TEMPORARY)
    extract(
        liaison,
        unit,
        [(members[2].id_number, "mon-school"), (other.members.get().id_number, "mon-school")],
    )
    run()
    assert [w.member for w in open_warnings(school)] == [members[2]]


def test_an_elderly_person_living_alone(clerk, group, items):
    elderly = rule(group, RuleKind.ELDERLY_ALONE, min_age=70)

    old = household(clerk, group, ("老某", "applicant", 75))
    young = household(clerk, group, ("中某", "applicant", 65))
    run()
    (warning,) = open_warnings(elderly)
    assert warning.household == old and warning.member == old.members.get()
    assert warning.source_type.model == "householdmember"
    assert young.pk != old.pk

    # Someone moves in: no longer alone.
    register.member_add(
        actor=clerk,
        household=old,
        data=register.MemberData("儿某", "child", make_id_number(years_ago(45))),
    )
    assert run().resolved == 1


def test_raised_again_in_a_new_period_once_the_last_is_closed(
    group, liaison, unit, items, members, town, town_liaison, clerk, director
):
    from monitoring import services

    unemployed = rule(group, RuleKind.UNEMPLOYED, period="quarter")
    extract(liaison, unit, [(members[0].id_number, "mon-unemployed")])
    today = datetime.date(2026, 1, 10)
    run(today=today)
    (warning,) = open_warnings(unemployed)
    services.warning_assign(actor=director, warning=warning, unit=town)
    services.warning_not_needed(actor=town_liaison, warning=warning, reason="已就业，待社保登记")
    assert run(today=today + datetime.timedelta(days=30)).raised == 0  # the same quarter
    later = run(today=datetime.date(2026, 4, 2))  # the next quarter: still unemployed
    assert later.raised == 1
    assert EarlyWarning.objects.filter(rule=unemployed).count() == 2


@pytest.mark.parametrize(
    ("kind", "code", "member", "amount", "parameters"),
    [
        (RuleKind.UNEMPLOYED, "mon-unemployed", 0, "", {}),
        (RuleKind.HOSPITAL_COSTS, "mon-hospital", 1, "50000", {"min_amount": Decimal("20000")}),
        (RuleKind.DEATH, "mon-death", 0, "", {}),
        (RuleKind.SCHOOL_START, "mon-school", 2, "", {}),
    ],
)
def test_every_kind_closes_when_the_extract_no_longer_holds_the_record(
    group, liaison, unit, items, members, kind, code, member, amount, parameters
):
    found = rule(group, kind, **parameters)
    extract(liaison, unit, [(members[member].id_number, code, "记录", amount)])
    first = run()
    (warning,) = open_warnings(found)
    assert first.raised == 1 and warning.member == members[member]
    assert run().raised == 0  # no duplicate on a re-run
    extract(liaison, unit, [(members[member].id_number, "mon-housing")])  # another fact only
    assert run().resolved == 1
    warning.refresh_from_db()
    assert warning.status == EarlyWarning.Status.RESOLVED and not open_warnings(found)
