"""What each kind of warning rule finds, as one SQL query over the office's households
(``monitoring.facts``): the people (or households) the rule would warn about today.

Every query returns the same columns: ``household_id``, ``member_id`` (NULL for a rule on
the household), ``seen_on``, ``amount``, ``line``, ``details``, ``source_type`` and
``source_id`` (the record the warning names). With ``persisting`` the query asks instead
whether the cause still holds, without the time window of rules on new facts: a disability
recorded four months ago is no longer new, but it has not gone away, so its open warning
stays open.

* disability_new: a current record meaning *disability*, first recorded within
  ``within_days``;
* unemployed: a current record meaning *unemployed*;
* hospital_costs: a current record meaning *hospital*, of ``min_amount`` or more,
  recorded within ``within_days``;
* death: a current record meaning *death*, first recorded within ``within_days``, of a
  member of a household of two or more;
* income_under_standard: the last completed verification found an income per person and
  month under ``share_of_standard`` % of the local standard, and no ledger entry of the
  household runs today;
* school_start: a current record meaning *school*, first recorded within ``within_days``,
  in a household applying for one of ``household_types``;
* elderly_alone: the only member of a household, aged ``min_age`` or more.
"""

import datetime

from verification.models import Household, HouseholdMember, ItemMeaning, VerificationRequest
from verification.sql import table

from . import facts
from .models import RuleKind, WarningRule

COLUMNS = "household_id, member_id, seen_on, amount, line, details, source_type, source_id"


def _facts_of(
    rule: WarningRule,
    today: datetime.date,
    persisting: bool,
    meaning: str,
    *,
    new: bool,
    where: str = "",
    where_params=(),
) -> tuple[str, list]:
    """People with a current record of ``meaning``, one row each; ``new``: first recorded
    within the rule's days (unless ``persisting``); ``where``: a further condition on the
    evidence row ``e``."""
    meanings = (meaning,)
    inner, params = facts.evidence(rule.office_id, meanings)
    conditions, extra = ["1 = 1"], []
    if new and not persisting:
        cutoff = today - datetime.timedelta(days=rule.parameter("within_days"))
        condition, condition_params = facts.first_seen_after(meanings, cutoff)
        conditions.append(condition)
        extra += condition_params
    if where:
        conditions.append(where)
        extra += list(where_params)
    filtered = f"SELECT e.* FROM ({inner}) e WHERE {' AND '.join(conditions)}"
    sql = f"""
        SELECT household_id, member_id, seen_on, amount, CAST(NULL AS numeric) AS line, details,
               source_type, source_id
        FROM ({facts.one_per("member_id", filtered)}) f
    """
    return sql, [*params, *extra]


def disability_new(rule, today, persisting):
    return _facts_of(rule, today, persisting, ItemMeaning.DISABILITY, new=True)


def unemployed(rule, today, persisting):
    return _facts_of(rule, today, persisting, ItemMeaning.UNEMPLOYED, new=False)


def hospital_costs(rule, today, persisting):
    where, params = "e.amount >= CAST(%s AS numeric)", [rule.parameter("min_amount")]
    if not persisting:
        where += " AND e.seen_on >= %s"
        params.append(today - datetime.timedelta(days=rule.parameter("within_days")))
    return _facts_of(
        rule, today, persisting, ItemMeaning.HOSPITAL, new=False, where=where, where_params=params
    )


def death(rule, today, persisting):
    member = table(HouseholdMember)
    others = f"""EXISTS (SELECT 1 FROM {member} o
                         WHERE o.household_id = e.household_id AND o.id <> e.member_id)"""
    return _facts_of(rule, today, persisting, ItemMeaning.DEATH, new=True, where=others)


def school_start(rule, today, persisting):
    types = list(rule.parameter("household_types")) or [""]
    marks = ", ".join(["%s"] * len(types))
    where = f"""EXISTS (SELECT 1 FROM {table(Household)} hh
                        WHERE hh.id = e.household_id AND hh.assistance_type IN ({marks}))"""
    return _facts_of(
        rule, today, persisting, ItemMeaning.SCHOOL, new=True, where=where, where_params=types
    )


def income_under_standard(rule, today, persisting):
    incomes, income_params = facts.incomes(rule.office_id)
    line, line_params = facts.standard_line(rule.office_id, today)
    assisted, assisted_params = facts.assisted(today, "t.household_id")
    share = rule.parameter("share_of_standard")
    sql = f"""
        SELECT t.household_id AS household_id, CAST(NULL AS integer) AS member_id,
               {facts.day_of("t.completed_at")} AS seen_on,
               ROUND(t.income / (12.0 * t.people), 2) AS amount, t.line AS line,
               '' AS details, %s AS source_type, t.request_id AS source_id
        FROM (SELECT i.*, {line} AS line FROM ({incomes}) i) t
        WHERE t.line IS NOT NULL AND t.people > 0
          AND t.income * 100 < t.line * 12 * t.people * %s
          AND NOT {assisted}
    """
    params = [
        facts.type_id(VerificationRequest),
        *line_params,
        *income_params,
        share,
        *assisted_params,
    ]
    return sql, params


def elderly_alone(rule, today, persisting):
    born_by = facts.born_on_or_before(today, rule.parameter("min_age"))
    solo, params = facts.solo_members(rule.office_id, born_by)
    sql = f"""
        SELECT s.household_id AS household_id, s.member_id AS member_id,
               CAST(NULL AS date) AS seen_on, CAST(NULL AS numeric) AS amount,
               CAST(NULL AS numeric) AS line, '' AS details, %s AS source_type,
               s.member_id AS source_id
        FROM ({solo}) s
    """
    return sql, [facts.type_id(HouseholdMember), *params]


KINDS = {
    RuleKind.DISABILITY_NEW: disability_new,
    RuleKind.UNEMPLOYED: unemployed,
    RuleKind.HOSPITAL_COSTS: hospital_costs,
    RuleKind.DEATH: death,
    RuleKind.INCOME_UNDER_STANDARD: income_under_standard,
    RuleKind.SCHOOL_START: school_start,
    RuleKind.ELDERLY_ALONE: elderly_alone,
}


def found(rule: WarningRule, today: datetime.date, *, persisting: bool = False) -> tuple:
    """``(sql, params)`` of the rule's query (see the module's table)."""
    return KINDS[RuleKind(rule.kind)](rule, today, persisting)
