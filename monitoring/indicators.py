"""What each hardship indicator counts, as one SQL query over the office's households
(``monitoring.facts``): one row per point-giving record, with the points and the record.

Every query returns ``household_id``, ``member_id`` (NULL for the household as a whole),
``points``, ``value`` (the income per person and month, for the income gap), ``line``
(the local standard it was measured against) and ``source_type``/``source_id``.

* income_gap, one row per household whose last verification found income under the local
  standard: the weight × the share of the standard missing (the whole weight with no
  income at all);
* disability_illness, per member with a current record meaning *disability* or *illness*:
  the weight;
* elderly, per member aged ``min_age`` or more: the weight;
* alone, per household whose only member is aged ``min_age`` or more: the weight;
* school, per member with a current record meaning *school*: the weight;
* housing, per household with a current record meaning *housing* (of any member): the
  weight.
"""

import datetime

from verification.models import Household, HouseholdMember, ItemMeaning, VerificationRequest
from verification.sql import table

from . import facts
from .models import IndicatorKind, ScoreIndicator


def _per_record(indicator, meanings: tuple, per: str) -> tuple[str, list]:
    inner, params = facts.evidence(indicator.office_id, meanings)
    sql = f"""
        SELECT household_id, member_id, CAST(%s AS numeric) AS points,
               CAST(NULL AS numeric) AS value, CAST(NULL AS numeric) AS line,
               source_type, source_id
        FROM ({facts.one_per(per, inner)}) f
    """
    return sql, [indicator.weight, *params]


def disability_illness(indicator, today):
    return _per_record(indicator, (ItemMeaning.DISABILITY, ItemMeaning.ILLNESS), "member_id")


def school(indicator, today):
    return _per_record(indicator, (ItemMeaning.SCHOOL,), "member_id")


def housing(indicator, today):
    return _per_record(indicator, (ItemMeaning.HOUSING,), "household_id")


def _members(indicator, sql, params) -> tuple[str, list]:
    wrapped = f"""
        SELECT s.household_id AS household_id, s.member_id AS member_id,
               CAST(%s AS numeric) AS points, CAST(NULL AS numeric) AS value,
               CAST(NULL AS numeric) AS line, %s AS source_type, s.member_id AS source_id
        FROM ({sql}) s
    """
    return wrapped, [indicator.weight, facts.type_id(HouseholdMember), *params]


def elderly(indicator, today):
    member, household = table(HouseholdMember), table(Household)
    born_by = facts.born_on_or_before(today, indicator.age)
    sql = f"""
        SELECT m.id AS member_id, m.household_id AS household_id
        FROM {member} m JOIN {household} h ON h.id = m.household_id AND h.office_id = %s
        WHERE {facts.birth()} <= %s
    """
    return _members(indicator, sql, [indicator.office_id, born_by])


def alone(indicator, today):
    born_by = facts.born_on_or_before(today, indicator.age)
    sql, params = facts.solo_members(indicator.office_id, born_by)
    return _members(indicator, sql, params)


def income_gap(indicator, today):
    incomes, income_params = facts.incomes(indicator.office_id)
    line, line_params = facts.standard_line(indicator.office_id, today)
    sql = f"""
        SELECT t.household_id AS household_id, CAST(NULL AS integer) AS member_id,
               ROUND(CAST(%s AS numeric) * (t.need - t.income) / t.need, 2) AS points,
               ROUND(t.income / (12.0 * t.people), 2) AS value, t.line AS line,
               %s AS source_type, t.request_id AS source_id
        FROM (SELECT i.*, {line} AS line, {line} * 12 * i.people AS need
              FROM ({incomes}) i) t
        WHERE t.line IS NOT NULL AND t.people > 0 AND t.income < t.need
    """
    params = [
        indicator.weight,
        facts.type_id(VerificationRequest),
        *line_params,
        *line_params,
        *income_params,
    ]
    return sql, params


KINDS = {
    IndicatorKind.INCOME_GAP: income_gap,
    IndicatorKind.DISABILITY_ILLNESS: disability_illness,
    IndicatorKind.ELDERLY: elderly,
    IndicatorKind.ALONE: alone,
    IndicatorKind.SCHOOL: school,
    IndicatorKind.HOUSING: housing,
}


def counted(indicator: ScoreIndicator, today: datetime.date) -> tuple[str, list]:
    """``(sql, params)`` of the indicator's query (see the module's table)."""
    return KINDS[IndicatorKind(indicator.kind)](indicator, today)
