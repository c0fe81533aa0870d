"""Evaluating the warning rules and the hardship scores, set-based.

Per active rule, in one transaction that holds the rules' rows (two evaluations at once,
e.g. after an extract and on schedule, take turns):

1. one INSERT … SELECT raises a warning for every person (or household) the rule finds
   who has neither an open warning of the rule nor one of the same period: raised once,
   and never twice on a re-run (the partial unique constraints back it; a row they refuse
   is skipped);
2. one UPDATE closes the open warnings whose cause went away (the rule's query without
   its time window, ``persisting``).

Then one INSERT … SELECT writes the history rows of every warning the run raised, and one
those of every warning it closed, naming the user who started the run (nobody for the
schedule). The scores follow (``monitoring.scoring``). The run itself is one row,
``EvaluationRun``, with what each rule did and how long it took.
"""

import datetime
import time

from django.db import connection, transaction
from django.utils import timezone

from assistance.workdays import WorkdayCalendar
from verification.sql import column, history_insert_select, insert_select, table

from . import rules, scoring
from .models import EarlyWarning, EvaluationRun, WarningRule, period_start

OPEN = [EarlyWarning.Status.RAISED, EarlyWarning.Status.ASSIGNED]


def _same_subject(rule: WarningRule) -> str:
    """How a warning ``w`` names the subject of a found row ``c``."""
    if rule.about_household:
        return "w.household_id = c.household_id AND w.member_id IS NULL"
    return "w.member_id = c.member_id"


def rule_raise(rule: WarningRule, run: EvaluationRun, today: datetime.date, calendar) -> int:
    """Raise the rule's new warnings; returns how many."""
    sql, params = rules.found(rule, today)
    period = period_start(rule.period, today)
    deadline = calendar.add_working_days(today, rule.deadline_days)
    template = EarlyWarning(
        rule=rule,
        period=period,
        grade=rule.grade,
        status=EarlyWarning.Status.RAISED,
        reason_template=rule.reason_template,
        raised_at=run.started_at,
        raised_run=run,
        deadline=deadline.date,
        deadline_provisional=deadline.provisional,
    )
    computed = {
        "household": "c.household_id",
        "member": "c.member_id",
        "evidence_date": "c.seen_on",
        "evidence_amount": "c.amount",
        "evidence_line": "c.line",
        "evidence_text": "COALESCE(c.details, '')",
        "source_type": "c.source_type",
        "source_id": "c.source_id",
    }
    tail = f"""
        FROM ({sql}) c
        WHERE NOT EXISTS (
            SELECT 1 FROM {table(EarlyWarning)} w
            WHERE w.rule_id = %s AND {_same_subject(rule)}
              AND (w.period = %s OR w.status IN (%s, %s)))
    """
    return insert_select(
        EarlyWarning,
        template,
        computed,
        tail,
        [*params, rule.pk, period, *OPEN],
        skip_conflicts=True,
    )


def rule_resolve(rule: WarningRule, run: EvaluationRun, today: datetime.date) -> int:
    """Close the rule's open warnings whose cause went away; returns how many."""
    sql, params = rules.found(rule, today, persisting=True)
    key = "household" if rule.about_household else "member"
    key_column = column(EarlyWarning, key)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table(EarlyWarning)}
            SET {column(EarlyWarning, "status")} = %s, {column(EarlyWarning, "closed_at")} = %s,
                {column(EarlyWarning, "closed_run")} = %s
            WHERE {column(EarlyWarning, "rule")} = %s
              AND {column(EarlyWarning, "status")} IN (%s, %s)
              AND {key_column} NOT IN (
                  SELECT c.{key}_id FROM ({sql}) c WHERE c.{key}_id IS NOT NULL)
            """,
            [EarlyWarning.Status.RESOLVED, run.started_at, run.pk, rule.pk, *OPEN, *params],
        )
        return cursor.rowcount


def evaluate(
    *, trigger: str, actor=None, today: datetime.date | None = None, scores: bool = True
) -> EvaluationRun:
    """Evaluate every active rule (and, with ``scores``, the hardship scores) now."""
    today = today or timezone.localdate()
    run = EvaluationRun.objects.create(trigger=trigger, started_by=actor)
    calendar = WorkdayCalendar()
    actor_id = actor.pk if actor is not None else None
    with transaction.atomic():
        active = WarningRule.objects.select_for_update().filter(active=True).order_by("pk")
        for rule in list(active):
            started = time.monotonic()
            raised = rule_raise(rule, run, today, calendar)
            resolved = rule_resolve(rule, run, today)
            run.details.append(
                {
                    "rule": rule.pk,
                    "raised": raised,
                    "resolved": resolved,
                    "seconds": round(time.monotonic() - started, 3),
                }
            )
            run.raised += raised
            run.resolved += resolved
        now = timezone.now()
        if run.raised:
            history_insert_select(
                EarlyWarning,
                "t.raised_run_id = %s",
                [run.pk],
                user_id=actor_id,
                date=now,
                change="+",
            )
        if run.resolved:
            history_insert_select(
                EarlyWarning, "t.closed_run_id = %s", [run.pk], user_id=actor_id, date=now
            )
    if scores:
        run.scored = scoring.scores_compute(today=today)
    run.finished_at = timezone.now()
    run.save(update_fields=["details", "raised", "resolved", "scored", "finished_at"])
    return run
