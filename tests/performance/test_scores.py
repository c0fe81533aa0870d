"""The units' performance scores: what each indicator counts (records whose deadline fell
in the quarter and has passed, met or not), the weighted score, its traceability to the
records on the unit's page, the office director's adjustments with their reasons, and who
sees which unit (a liaison their own only)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance.periods import quarter_span
from performance import services
from performance.indicators import records
from performance.models import Indicator, ScoreAdjustment, UnitScore
from performance.selectors import quarter_scores
from tests.verification.factories import HouseholdFactory
from verification.models import DepartmentCheck, VerificationRequest

pytestmark = pytest.mark.django_db

YEAR, QUARTER = 2026, 3  # July to September 2026: every deadline has passed


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _check(group, clerk, unit, *, deadline, answered=None):
    request = VerificationRequest.objects.create(
        household=HouseholdFactory(office=group, created_by=clerk),
        assistance_type="dibao",
        requested_by=clerk,
        submitted_at=at(deadline - datetime.timedelta(days=10)),
    )
    return DepartmentCheck.objects.create(
        request=request,
        unit=unit,
        deadline=deadline,
        status="answered" if answered else "delivered",
        answered_at=at(answered) if answered else None,
    )


@pytest.fixture
def quarter(group, clerk, unit, other_unit):
    """``unit``: two checks on time, one late; ``other_unit``: one never answered; one
    check due next quarter (not counted)."""
    Indicator.objects.create(group=group, kind=Indicator.Kind.CHECKS_ON_TIME, weight=40)
    Indicator.objects.create(group=group, kind=Indicator.Kind.DECISIONS_DONE, weight=30)
    day = datetime.date(2026, 8, 14)
    _check(group, clerk, unit, deadline=day, answered=day)
    _check(group, clerk, unit, deadline=day, answered=day - datetime.timedelta(days=3))
    _check(group, clerk, unit, deadline=day, answered=day + datetime.timedelta(days=2))
    _check(group, clerk, other_unit, deadline=day)
    _check(group, clerk, unit, deadline=datetime.date(2026, 10, 9))
    return services.scores_compute(group=group, year=YEAR, quarter=QUARTER)


def test_the_records_each_indicator_counts(quarter, group, unit):
    start, end = quarter_span(YEAR, QUARTER)
    mine = records(Indicator.Kind.CHECKS_ON_TIME, start=start, end=end, unit=unit)
    assert [record.met for record in mine] == [True, True, False]
    every = records(Indicator.Kind.CHECKS_ON_TIME, start=start, end=end, group=group)
    assert len(every) == 4


def test_the_score_weighs_the_indicators_that_counted(quarter, unit, other_unit, group):
    scores = {score.unit_id: score for score in UnitScore.objects.all()}
    # Only the checks counted a record (no decision was due): 2 of 3 met.
    assert scores[unit.pk].computed == Decimal("66.7")
    assert scores[unit.pk].details["checks_on_time"] == {"counted": 3, "met": 2, "weight": 40}
    assert scores[other_unit.pk].computed == Decimal("0.0")
    again = services.scores_compute(group=group, year=YEAR, quarter=QUARTER)
    assert len(again) == UnitScore.objects.count()  # recomputed, not added


def test_adjustments_need_a_reason_and_the_director(quarter, director, clerk, unit, group):
    with pytest.raises(services.PerformanceError):
        services.adjustment_record(
            actor=clerk, unit=unit, year=YEAR, quarter=QUARTER, points=Decimal(5), reason="协助"
        )
    with pytest.raises(services.PerformanceError):
        services.adjustment_record(
            actor=director, unit=unit, year=YEAR, quarter=QUARTER, points=Decimal(5), reason=" "
        )
    with pytest.raises(services.PerformanceError):
        services.adjustment_record(
            actor=director,
            unit=unit,
            year=YEAR,
            quarter=QUARTER,
            points=Decimal(50),
            reason="过多",
        )
    adjustment = services.adjustment_record(
        actor=director,
        unit=unit,
        year=YEAR,
        quarter=QUARTER,
        points=Decimal("5"),
        reason="协助处置突发火灾救助",
    )
    assert adjustment.history.get().history_user == director
    assert ScoreAdjustment.objects.count() == 1
    rows = {row["score"].unit_id: row for row in quarter_scores(group, YEAR, QUARTER)}
    assert rows[unit.pk]["final"] == Decimal("71.7")


def _get(client, user, name, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs or None), {"year": YEAR, "quarter": QUARTER})


def test_the_unit_page_lists_the_records_behind_the_score(client, quarter, director, unit):
    response = _get(client, director, "performance:unit", pk=unit.pk)
    assert response.status_code == 200
    counted = response.context["indicators"]
    checks = next(rows for indicator, rows in counted.items() if indicator.kind == "checks_on_time")
    assert len(checks) == 3
    assert 'data-testid="adjust-form"' in response.content.decode()


def test_a_liaison_sees_only_their_own_unit(client, quarter, liaison, unit, other_unit):
    assert _get(client, liaison, "performance:unit", pk=unit.pk).status_code == 200
    assert _get(client, liaison, "performance:unit", pk=other_unit.pk).status_code == 404
    response = _get(client, liaison, "performance:scores")
    assert response.status_code == 302
    assert response["Location"] == reverse("performance:unit", args=[unit.pk])
    page = _get(client, liaison, "performance:unit", pk=unit.pk).content.decode()
    assert 'data-testid="adjust-form"' not in page


def test_the_quarter_table_keeps_its_query_count(client, quarter, director, group):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MemberUnitFactory

    def queries():
        client.force_login(director)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(
                reverse("performance:scores"), {"group": group.pk, "year": YEAR, "quarter": QUARTER}
            )
        assert response.status_code == 200
        return len(captured)

    few = queries()
    MemberUnitFactory.create_batch(20, group=group)
    services.scores_compute(group=group, year=YEAR, quarter=QUARTER)
    assert queries() == few


def test_compute_is_asked_of_a_worker(
    client, director, group, unit, django_capture_on_commit_callbacks
):
    Indicator.objects.create(group=group, kind=Indicator.Kind.CHECKS_ON_TIME, weight=40)
    client.force_login(director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("performance:compute"), {"group": group.pk, "year": YEAR, "quarter": QUARTER}
        )
    assert response.status_code == 302
    assert UnitScore.objects.filter(group=group, year=YEAR, quarter=QUARTER).exists()


def test_an_adjustment_without_a_reason_is_shown_and_saves_nothing(client, quarter, director, unit):
    client.force_login(director)
    url = reverse("performance:adjust", args=[unit.pk]) + f"?year={YEAR}&quarter={QUARTER}"
    response = client.post(url, {"points": "3", "reason": ""})
    assert response.status_code == 400 and not ScoreAdjustment.objects.exists()
    response = client.post(url, {"points": "3", "reason": "按时报送并协助核查"})
    assert response.status_code == 302 and ScoreAdjustment.objects.get().year == YEAR


def test_periodic_reports_count_on_time_unless_late(group, clerk, unit, other_unit):
    from reporting.models import ReportingRound, UnitReport

    Indicator.objects.create(group=group, kind=Indicator.Kind.REPORTS_ON_TIME, weight=20)
    deadline = datetime.date(2026, 7, 15)
    round_ = ReportingRound.objects.create(
        group=group,
        title="2026年第2季度",
        period_kind="quarter",
        year=2026,
        number=2,
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2026, 6, 30),
        opened_at=at(datetime.date(2026, 7, 1)),
        opened_by=clerk,
        working_days=10,
        deadline=deadline,
    )
    UnitReport.objects.create(
        round=round_, unit=unit, status="accepted", submitted_at=at(deadline), late=False
    )
    UnitReport.objects.create(round=round_, unit=other_unit, status="draft")
    start, end = quarter_span(YEAR, QUARTER)
    counted = records(Indicator.Kind.REPORTS_ON_TIME, start=start, end=end, group=group)
    assert sorted((r.unit_id, r.met) for r in counted) == sorted(
        [(unit.pk, True), (other_unit.pk, False)]
    )
    services.scores_compute(group=group, year=YEAR, quarter=QUARTER)
    assert UnitScore.objects.get(unit=other_unit).computed == Decimal("0.0")
    assert UnitScore.objects.get(unit=unit).computed == Decimal("100.0")
