"""The hardship score: computed set-based from the configured indicators, every point stored
with the record it came from, and ordering the office's list."""

from decimal import Decimal

import pytest

from monitoring import selectors
from monitoring.models import (
    HardshipScore,
    IndicatorKind,
    RuleKind,
    ScoreContribution,
    ScoreIndicator,
)
from monitoring.scoring import scores_compute
from verification.models import AssistanceType

from .conftest import extract, household, rule, run, verify

pytestmark = pytest.mark.django_db


def indicator(group, kind, weight, **extra):
    return ScoreIndicator.objects.create(office=group, kind=kind, weight=Decimal(weight), **extra)


@pytest.fixture
def indicators(group):
    return {
        kind: indicator(group, kind, weight)
        for kind, weight in (
            (IndicatorKind.INCOME_GAP, "40"),
            (IndicatorKind.DISABILITY_ILLNESS, "15"),
            (IndicatorKind.ELDERLY, "5"),
            (IndicatorKind.ALONE, "10"),
            (IndicatorKind.SCHOOL, "8"),
            (IndicatorKind.HOUSING, "12"),
        )
    }


def test_every_point_traces_to_its_record(
    clerk,
    group,
    liaison,
    unit,
    items,
    family,
    members,
    standard,
    indicators,
    django_capture_on_commit_callbacks,
):
    # 9,000 a year for three: 250 a person a month, three quarters under the line of 1,000.
    request = verify(
        django_capture_on_commit_callbacks,
        clerk,
        family,
        liaison,
        unit,
        {(members[0], items["mon-income"]): "9000", (members[1], items["mon-illness"]): True},
    )
    snapshot = extract(
        liaison,
        unit,
        [
            (members[0].id_number, "mon-disabled"),
            (members[1].id_number, "mon-disabled"),  # and ill: counted once
            (members[2].id_number, "mon-school"),
            (members[0].id_number, "mon-housing"),
            (members[1].id_number, "mon-housing"),  # housing: once per household
        ],
    )
    assert scores_compute() == 1
    points = {
        (c.indicator.kind, c.member_id): (c.points, c.source_type.model, c.source_id)
        for c in ScoreContribution.objects.select_related("indicator", "source_type")
    }
    records = {(r.id_number, r.item.code): r.pk for r in snapshot.records.select_related("item")}
    assert points[(IndicatorKind.INCOME_GAP, None)] == (
        Decimal("30.00"),
        "verificationrequest",
        request.pk,
    )
    assert points[(IndicatorKind.DISABILITY_ILLNESS, members[0].pk)] == (
        Decimal("15.00"),
        "registryrecord",
        records[(members[0].id_number, "mon-disabled")],
    )
    assert points[(IndicatorKind.DISABILITY_ILLNESS, members[1].pk)][0] == Decimal("15.00")
    assert points[(IndicatorKind.SCHOOL, members[2].pk)][:2] == (Decimal("8.00"), "registryrecord")
    housing = [key for key in points if key[0] == IndicatorKind.HOUSING]
    assert len(housing) == 1
    assert len(points) == 5  # nobody is 60 or older, nobody lives alone
    score = HardshipScore.objects.get(household=family)
    assert score.points == Decimal("80.00") == sum(p[0] for p in points.values())

    shown = selectors.household_score(family)
    assert shown.points == Decimal("80.00")
    assert all(c.source is not None for c in shown.contributions)
    income = next(c for c in shown.contributions if c.indicator.kind == IndicatorKind.INCOME_GAP)
    assert (income.value, income.line) == (Decimal("250.00"), Decimal("1000.00"))
    assert income.source.url == request.get_absolute_url()


def test_age_and_living_alone(clerk, group, indicators):
    old = household(clerk, group, ("老某", "applicant", 82), kind=AssistanceType.TEKUN)
    scores_compute()
    kinds = sorted(
        ScoreContribution.objects.filter(household=old).values_list("indicator__kind", flat=True)
    )
    assert kinds == [IndicatorKind.ALONE, IndicatorKind.ELDERLY]
    assert HardshipScore.objects.get(household=old).points == Decimal("15.00")


def test_weights_and_inactive_indicators_are_the_admin_s_to_set(clerk, group, indicators):
    old = household(clerk, group, ("老某", "applicant", 66), kind=AssistanceType.TEKUN)
    alone = indicators[IndicatorKind.ALONE]
    alone.min_age = 70
    alone.save()
    indicators[IndicatorKind.ELDERLY].active = False
    indicators[IndicatorKind.ELDERLY].save()
    scores_compute()
    assert not HardshipScore.objects.filter(household=old).exists()
    assert alone.history.count() == 2


def test_the_score_orders_the_office_s_list(
    clerk, group, liaison, unit, items, indicators, members
):
    rule(group, RuleKind.UNEMPLOYED)
    hard = household(clerk, group, ("甲某", "applicant", 50), ("乙某", "spouse", 72))
    ill = hard.members.order_by("pk")
    extract(
        liaison,
        unit,
        [
            (members[0].id_number, "mon-unemployed"),
            (ill[0].id_number, "mon-unemployed"),
            (ill[1].id_number, "mon-illness"),
        ],
    )
    run()
    listed = [w.household for w in selectors.office_warnings()]
    assert listed == [hard, members[0].household]
    assert hard.hardship_score.points == Decimal("20.00")  # ill 15, elderly 5
