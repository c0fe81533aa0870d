"""Reporting's services: opening a round, a unit's draft and submission (validation, the
late flag), the office's review by the state table, and the reminders (idempotent)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assistance.models import Notification
from assistance.workdays import WorkdayCalendar
from reporting import services, sweeps
from reporting.models import ReportingRound, UnitReport

from .helpers import at, open_round

pytestmark = pytest.mark.django_db


def test_opening_a_round_asks_each_unit_that_carries_a_figure(
    clerk,
    group,
    figures,
    unit,
    other_unit,
    liaison,
    other_liaison,
    django_capture_on_commit_callbacks,
):
    now = at(datetime.date(2027, 1, 4))
    with django_capture_on_commit_callbacks(execute=True):
        round_ = open_round(clerk, group, now=now, working_days=10)
    assert round_.title
    assert (round_.period_start, round_.period_end) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    expected = WorkdayCalendar().add_working_days(datetime.date(2027, 1, 4), 10).date
    assert round_.deadline == expected
    assert set(round_.figures.all()) == set(figures)
    assert set(round_.reports.values_list("unit_id", "status")) == {
        (unit.pk, "draft"),
        (other_unit.pk, "draft"),
    }
    for user in (liaison, other_liaison):
        assert Notification.objects.filter(user=user, message__contains=round_.title).exists()
    assert round_.history.first().history_user == clerk
    assert {h.history_user for h in UnitReport.history.filter(round_id=round_.pk)} == {clerk}


def test_only_the_office_opens_rounds_and_one_per_period(clerk, liaison, group, figures):
    with pytest.raises(services.ReportingError):
        open_round(liaison, group)
    open_round(clerk, group)
    with pytest.raises(services.ReportingError):
        open_round(clerk, group)
    with pytest.raises(services.ReportingError):
        open_round(clerk, group, number=5)
    assert ReportingRound.objects.count() == 1


def test_a_round_needs_figures(clerk, group):
    with pytest.raises(services.ReportingError):
        open_round(clerk, group)
    assert not ReportingRound.objects.exists()


def test_a_draft_is_saved_and_cleared(liaison, report, figures):
    people, yuan = figures
    services.report_save(actor=liaison, report=report, values={people.pk: "1,200", yuan.pk: ""})
    assert dict(report.values.values_list("definition_id", "value")) == {people.pk: 1200}
    services.report_save(actor=liaison, report=report, values={people.pk: " "})
    assert not report.values.exists()
    report.refresh_from_db()
    assert report.status == UnitReport.Status.DRAFT


@pytest.mark.parametrize(
    ("people", "yuan", "wrong"),
    [
        ("12.5", "100", "people"),
        ("12", "100.123", "yuan"),
        ("-1", "100", "people"),
        ("12", "20000000", "yuan"),
        ("十二", "100", "people"),
    ],
)
def test_bad_values_are_refused_whole(liaison, report, figures, people, yuan, wrong):
    definitions = dict(zip(("people", "yuan"), figures, strict=True))
    with pytest.raises(services.ReportingError) as refused:
        services.report_save(
            actor=liaison,
            report=report,
            values={definitions["people"].pk: people, definitions["yuan"].pk: yuan},
        )
    assert set(refused.value.field_errors) == {definitions[wrong].pk}
    assert not report.values.exists()


def test_another_units_liaison_cannot_touch_the_report(other_liaison, clerk, report, figures):
    for actor in (other_liaison, clerk):
        with pytest.raises(services.ReportingError):
            services.report_save(actor=actor, report=report, values={figures[0].pk: "3"})
    assert not report.values.exists()


def _values(figures, people="120", yuan="35000.50"):
    return {figures[0].pk: people, figures[1].pk: yuan}


def test_submitting_needs_every_value(liaison, report, figures):
    with pytest.raises(services.ReportingError) as refused:
        services.report_submit(actor=liaison, report=report, values={figures[0].pk: "5"})
    assert set(refused.value.field_errors) == {figures[1].pk}
    report.refresh_from_db()
    assert report.status == UnitReport.Status.DRAFT and report.submitted_at is None


def test_submitted_in_time_or_late(liaison, other_liaison, report, other_report, figures):
    deadline = report.round.deadline
    on_time = services.report_submit(
        actor=liaison, report=report, values=_values(figures), now=at(deadline, 17)
    )
    assert on_time.status == UnitReport.Status.SUBMITTED and not on_time.late
    late = services.report_submit(
        actor=other_liaison,
        report=other_report,
        values=_values(figures),
        now=at(deadline + datetime.timedelta(days=1), 9),
    )
    assert late.late and late.submitted_at.date() > deadline


def test_the_office_accepts_or_sends_back_by_the_state_table(
    clerk, director, liaison, report, figures
):
    with pytest.raises(services.ReportingError):
        services.report_accept(actor=clerk, report=report)
    services.report_submit(actor=liaison, report=report, values=_values(figures))
    with pytest.raises(services.ReportingError):
        services.report_return(actor=clerk, report=report, comment="  ")
    with pytest.raises(services.ReportingError):
        services.report_accept(actor=liaison, report=report)
    returned = services.report_return(actor=clerk, report=report, comment="资金数请核实。")
    assert returned.status == UnitReport.Status.RETURNED and returned.comment == "资金数请核实。"
    services.report_save(actor=liaison, report=report, values={figures[1].pk: "34000"})
    services.report_submit(actor=liaison, report=report)
    accepted = services.report_accept(actor=director, report=report)
    assert accepted.status == UnitReport.Status.ACCEPTED and accepted.reviewed_by == director
    with pytest.raises(services.ReportingError):
        services.report_save(actor=liaison, report=report, values={figures[1].pk: "1"})
    with pytest.raises(services.ReportingError):
        services.report_return(actor=clerk, report=report, comment="再改")
    assert report.values.get(definition=figures[1]).value == Decimal("34000.00")
    assert [h.status for h in report.history.order_by("history_date")][-4:] == [
        "submitted",
        "returned",
        "submitted",
        "accepted",
    ]


def test_every_transition_in_the_table_and_no_other():
    statuses = set(UnitReport.Status)
    assert set(UnitReport.TRANSITIONS) == statuses
    assert all(targets <= statuses for targets in UnitReport.TRANSITIONS.values())
    assert UnitReport.TRANSITIONS[UnitReport.Status.ACCEPTED] == set()


def _notes(user):
    return Notification.objects.filter(user=user).count()


def test_reminders_before_the_deadline_and_when_overdue_each_once(
    liaison,
    other_liaison,
    director,
    report,
    other_report,
    figures,
    django_capture_on_commit_callbacks,
):
    services.report_submit(actor=liaison, report=report, values=_values(figures))
    deadline = report.round.deadline
    before = _notes(other_liaison), _notes(liaison)
    early = at(deadline - datetime.timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.reports_remind(now=early) == sweeps.ReminderSweep(0, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.reports_remind(now=at(deadline)) == sweeps.ReminderSweep(1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.reports_remind(now=at(deadline)) == sweeps.ReminderSweep(0, 0)
    assert _notes(other_liaison) == before[0] + 1
    after = at(deadline + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.reports_remind(now=after) == sweeps.ReminderSweep(0, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.reports_remind(now=after) == sweeps.ReminderSweep(0, 0)
    assert _notes(other_liaison) == before[0] + 2
    # The unit that submitted in time hears nothing; the office hears of the overdue one.
    assert _notes(liaison) == before[1]
    assert _notes(director) == 1


def test_the_reminder_task_runs_the_sweep_once(other_report, director):
    from reporting.tasks import reports_remind_task

    ReportingRound.objects.filter(pk=other_report.round_id).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert reports_remind_task.delay().get() == {"due_soon": 0, "overdue": 2}
    assert reports_remind_task.delay().get() == {"due_soon": 0, "overdue": 0}
    other_report.refresh_from_db()
    assert other_report.overdue_reminded_at is not None


def test_a_unit_of_another_group_is_not_asked(clerk, group, figures, unit):
    from tests.factories import LeadingGroupFactory, MemberUnitFactory

    stranger = MemberUnitFactory(group=LeadingGroupFactory())
    figures[0].units.add(stranger)
    round_ = open_round(clerk, group)
    assert not round_.reports.filter(unit=stranger).exists()
    assert round_.reports.filter(unit=unit).exists()
