"""The office's three lists, each one SQL statement over the whole ledger: duplicate
assistance against the programme rules (重复享受), help still running for a person a
registry extract or a finding records as dead (死亡未注销), and assisted households whose
last verification found income or property over the local standard."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ledger import conflicts, selectors
from ledger.models import LocalStandard, ProgramRule
from tests.ledger.conftest import DAY, enter
from tests.verification.factories import VerificationItemFactory, authorize_all
from tests.verification.helpers import submit
from verification import services as verification
from verification.connectors import snapshot_import
from verification.models import DepartmentCheck, Finding, ItemMeaning

pytestmark = pytest.mark.django_db


def listed(name, **restrict):
    rows = conflicts.rows(name, **restrict)
    assert conflicts.count(name, **restrict) == len(rows)
    return selectors.READERS[name](rows) if rows else []


# --- 重复享受 ---------------------------------------------------------------------------------


def test_two_programmes_that_exclude_each_other_overlap(
    liaison, other_liaison, unit, other_unit, members, dibao, tekun, exclusive
):
    first = enter(liaison, unit, members[0], dibao, end=datetime.date(2026, 6, 30))
    second = enter(liaison, unit, members[1], tekun, start=datetime.date(2026, 6, 1))
    (row,) = listed("duplicates")
    assert (row.rule, row.entry, row.other) == (exclusive, first, second)
    assert (row.overlap_from, row.overlap_to) == (
        datetime.date(2026, 6, 1),
        datetime.date(2026, 6, 30),
    )
    # Restricted to the entries a change touched: either side of the pair finds it.
    assert len(listed("duplicates", entry_ids=[second.pk])) == 1
    assert listed("duplicates", entry_ids=[0]) == []


def test_periods_that_do_not_overlap_or_another_household_break_nothing(
    clerk, group, liaison, unit, members, dibao, tekun, exclusive
):
    from tests.verification.factories import register_family

    enter(liaison, unit, members[0], dibao, end=datetime.date(2026, 5, 31))
    enter(liaison, unit, members[1], tekun, start=datetime.date(2026, 6, 1))
    neighbour = register_family(actor=clerk, office=group).members.first()
    enter(liaison, unit, neighbour, tekun, start=DAY)
    assert listed("duplicates") == []


def test_an_inactive_rule_is_not_applied(liaison, unit, members, dibao, tekun, exclusive):
    enter(liaison, unit, members[0], dibao)
    enter(liaison, unit, members[1], tekun)
    assert len(listed("duplicates")) == 1
    ProgramRule.objects.filter(pk=exclusive.pk).update(active=False)
    assert listed("duplicates") == []


def test_a_rule_on_the_person_matches_the_id_number(
    clerk, group, liaison, unit, members, dibao, tekun
):
    ProgramRule.objects.create(program=dibao, kind="excludes", other=tekun, scope="person")
    enter(liaison, unit, members[0], dibao)
    enter(liaison, unit, members[1], tekun)  # the same household, another person
    assert listed("duplicates") == []
    # The same person registered in a second household, assisted there.
    from verification.register import MemberData, household_register

    elsewhere = household_register(
        actor=clerk,
        office=group,
        address="另一处1号",
        town="大峪街道",
        assistance_type="tekun",
        members=[MemberData(members[0].name, "applicant", members[0].id_number)],
    )
    enter(liaison, unit, elsewhere.members.get(), tekun)
    (row,) = listed("duplicates")
    assert row.entry.member == members[0]


def test_a_programme_received_without_the_one_it_requires(liaison, unit, members, dibao, medical):
    rule = ProgramRule.objects.create(program=medical, kind="requires", other=dibao)
    lonely = enter(liaison, unit, members[0], medical)
    (row,) = listed("duplicates")
    assert (row.rule, row.entry, row.other) == (rule, lonely, None)
    enter(liaison, unit, members[1], dibao, start=datetime.date(2026, 1, 1))
    assert listed("duplicates") == []


# --- 死亡未注销 -------------------------------------------------------------------------------


@pytest.fixture
def death_item(unit):
    return VerificationItemFactory(
        unit=unit, code="test-death", name="死亡未注销户口", meaning=ItemMeaning.DEATH
    )


def extract(liaison, unit, *id_numbers, code="test-death"):
    text = "身份证号码,核对事项\n" + "".join(f"{number},{code}\n" for number in id_numbers)
    return snapshot_import(
        actor=liaison,
        unit=unit,
        upload=SimpleUploadedFile("extract.csv", text.encode()),
        taken_on=timezone.localdate(),
    )


def test_help_still_running_for_a_person_the_registry_shows_dead(
    liaison, unit, members, dibao, medical, death_item
):
    running = enter(liaison, unit, members[0], dibao)
    enter(liaison, unit, members[0], medical, end=datetime.date(2026, 4, 30))  # ended
    household = enter(liaison, unit, members[1], medical, whole_household=True)
    enter(liaison, unit, members[2], dibao)  # alive
    extract(liaison, unit, members[0].id_number)
    rows = {(row.entry, row.member, row.whole_household, row.source) for row in listed("deaths")}
    assert rows == {
        (running, members[0], False, "snapshot"),
        (household, members[0], True, "snapshot"),
    }


def test_only_the_current_extract_and_an_item_meaning_death_count(
    liaison, unit, members, dibao, death_item
):
    VerificationItemFactory(unit=unit, code="test-cars", name="车辆")
    enter(liaison, unit, members[0], dibao)
    extract(liaison, unit, members[0].id_number, code="test-cars")
    assert listed("deaths") == []
    extract(liaison, unit, members[0].id_number)
    assert len(listed("deaths")) == 1
    extract(liaison, unit, members[1].id_number)  # a newer extract no longer shows them
    assert listed("deaths") == []


def _verify(capture, clerk, household, answers):
    """A request of ``household`` answered by each (liaison, check unit): ``answers``
    maps (liaison, unit) to {(member, item): amount or True}; the rest no record."""
    authorize_all(actor=clerk, household=household)
    request = submit(capture, actor=clerk, household=household)
    for (liaison, unit), found in answers.items():
        check = DepartmentCheck.objects.get(request=request, unit=unit)
        findings = []
        for member in household.members.order_by("pk"):
            for item in check.items.order_by("pk"):
                value = found.get((member, item))
                if value is None:
                    findings.append(verification.FindingData(member.pk, item.pk, "no_record"))
                else:
                    amount = None if value is True else Decimal(value)
                    findings.append(
                        verification.FindingData(member.pk, item.pk, "record_found", "记录", amount)
                    )
        verification.check_answer(actor=liaison, check=check, findings=findings)
    request.refresh_from_db()
    assert request.status == "completed"
    return request


def test_a_finding_of_death_counts_too(
    clerk, liaison, unit, family, members, dibao, death_item, django_capture_on_commit_callbacks
):
    entry = enter(liaison, unit, members[2], dibao)
    _verify(
        django_capture_on_commit_callbacks,
        clerk,
        family,
        {(liaison, unit): {(members[2], death_item): True}},
    )
    (row,) = listed("deaths")
    assert (row.entry, row.member, row.source) == (entry, members[2], "finding")
    assert listed("deaths", household_ids=[family.pk + 1]) == []


# --- 超标准 -----------------------------------------------------------------------------------


@pytest.fixture
def means(other_unit):
    return {
        "income": VerificationItemFactory(
            unit=other_unit,
            code="test-pension",
            name="养老金",
            has_amount=True,
            meaning=ItemMeaning.INCOME,
        ),
        "property": VerificationItemFactory(
            unit=other_unit,
            code="test-deposits",
            name="存款",
            has_amount=True,
            meaning=ItemMeaning.PROPERTY,
        ),
    }


@pytest.mark.parametrize(
    ("income", "deposits", "over"),
    [
        ("36000", "0", False),  # 36,000 a year for 3 people: 1,000 a month each, the line
        ("36036", "0", True),  # a yuan a month each over the line
        ("0", "150000", False),  # 50,000 each: the property line
        ("0", "150003", True),
    ],
)
def test_a_household_over_the_local_standard(
    clerk,
    liaison,
    other_liaison,
    unit,
    other_unit,
    family,
    members,
    dibao,
    means,
    standard,
    django_capture_on_commit_callbacks,
    income,
    deposits,
    over,
):
    enter(liaison, unit, members[0], dibao)
    found = {(members[0], means["income"]): income, (members[1], means["property"]): deposits}
    request = _verify(
        django_capture_on_commit_callbacks,
        clerk,
        family,
        {(other_liaison, other_unit): {k: v for k, v in found.items() if v != "0"}},
    )
    rows = listed("over_standard")
    assert bool(rows) == over
    if over:
        (row,) = rows
        assert (row.household, row.request_id, row.measure.people) == (family, request.pk, 3)
        assert row.programs == ["最低生活保障"]
        assert row.measure.income_over == (income != "0")
        assert row.measure.property_over == (deposits != "0")


def test_only_assisted_households_and_the_standard_then_in_force(
    clerk,
    liaison,
    other_liaison,
    unit,
    other_unit,
    group,
    family,
    members,
    dibao,
    means,
    django_capture_on_commit_callbacks,
):
    LocalStandard.objects.create(
        office=group,
        valid_from=datetime.date(2020, 1, 1),
        income_per_head_month=Decimal("500"),
        property_per_head=Decimal("10000"),
    )
    _verify(
        django_capture_on_commit_callbacks,
        clerk,
        family,
        {(other_liaison, other_unit): {(members[0], means["income"]): "36000"}},
    )
    assert listed("over_standard") == []  # no assistance running: not the ledger's concern
    enter(liaison, unit, members[0], dibao)
    assert len(listed("over_standard")) == 1
    # A standard raised after the verification does not apply to it.
    LocalStandard.objects.create(
        office=group,
        valid_from=timezone.localdate() + datetime.timedelta(days=1),
        income_per_head_month=Decimal("5000"),
        property_per_head=Decimal("10000"),
    )
    assert len(listed("over_standard")) == 1


def test_no_standard_no_listing(
    clerk,
    liaison,
    other_liaison,
    unit,
    other_unit,
    family,
    members,
    dibao,
    means,
    django_capture_on_commit_callbacks,
):
    enter(liaison, unit, members[0], dibao)
    _verify(
        django_capture_on_commit_callbacks,
        clerk,
        family,
        {(other_liaison, other_unit): {(members[0], means["income"]): "999999"}},
    )
    assert listed("over_standard") == []


def test_a_page_of_a_list(liaison, unit, members, dibao, tekun, exclusive):
    for _ in range(3):
        enter(liaison, unit, members[0], dibao)
    enter(liaison, unit, members[1], tekun)
    office_list = selectors.OfficeList("duplicates")
    assert office_list.count() == 3
    assert len(office_list[0:2]) == 2 and len(office_list[2:4]) == 1
    assert Finding.objects.count() == 0
