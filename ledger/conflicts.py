"""The office's three lists over the ledger, each computed set-based in one SQL statement
(PostgreSQL in production; the same SQL runs on SQLite for a first run), never a query
per household:

* **重复享受** (``duplicates``): pairs of entries that break an active programme rule: two
  programmes that exclude each other received by the same household (or the same person,
  by ID number) over overlapping periods; or a programme received without any entry of the
  programme it requires overlapping it.
* **死亡未注销** (``deaths``): entries still running today for a person whom a department's
  current registry extract, or a verification finding, records as dead (an item whose
  ``meaning`` is *death*, e.g. 公安局's 死亡未注销户口); an entry for the whole household is
  listed when one of its members is so recorded.
* **超标准** (``over_standard``): households with an entry running today whose last completed
  verification found, per member covered, more income (the income items' amounts over 12
  months, divided by 12) or property than the local standard in force when it completed.

Each list reads ``(kind, key…)`` rows ordered for display, a page at a time, with the
count in a second statement; ``entry_ids`` / ``household_ids`` restrict a list to the
entries or households a change touched (the services check every change so).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from verification.models import (
    DepartmentCheck,
    Finding,
    Household,
    HouseholdMember,
    ItemMeaning,
    RegistryRecord,
    RegistrySnapshot,
    VerificationItem,
    VerificationRequest,
)

from .models import LedgerEntry, LocalStandard, ProgramRule

# An open period runs to this day, in the comparisons of periods.
OPEN_END = datetime.date(9999, 12, 31)


def running_on(day: datetime.date, alias: str = "e") -> tuple[str, list]:
    """A condition: the ledger entry ``alias`` names runs on ``day`` (begun, not ended
    before it), and its parameters."""
    return f"{alias}.period_from <= %s AND COALESCE({alias}.period_to, %s) >= %s", [
        day,
        OPEN_END,
        day,
    ]


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _members_table() -> str:
    return connection.ops.quote_name(VerificationRequest.members.through._meta.db_table)


def _in(column: str, ids) -> tuple[str, list]:
    """``AND column IN (…)`` for a restriction to ``ids`` (None: no restriction)."""
    if ids is None:
        return "", []
    ids = list(ids) or [0]
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


# --- 重复享受 ------------------------------------------------------------------------------------


OVERLAP = (
    "e2.period_from <= COALESCE(e1.period_to, %s) AND e1.period_from <= COALESCE(e2.period_to, %s)"
)


def _beside(scope: str) -> tuple[str, str]:
    """How an entry ``e2`` is found beside ``e1`` for a rule's scope, as equi-joins the
    planner can hash: (what joins ``m1`` to ``e1``, the condition on ``e2``/``m2``). For
    the household, the same household; for the person, the same ID number (the member
    ``m2`` of ``e2``, in any household)."""
    member = _t(HouseholdMember)
    if scope == "household":
        return "", "e2.household_id = e1.household_id"
    return f" JOIN {member} m1 ON m1.id = e1.member_id", "m2.id_number = m1.id_number"


def _pairs_sql(scope: str, entry_ids) -> tuple[str, list]:
    """Entries of two programmes that exclude each other, overlapping."""
    entry, rule, member = _t(LedgerEntry), _t(ProgramRule), _t(HouseholdMember)
    m1, same = _beside(scope)
    if scope == "household":
        beside = f"JOIN {entry} e2 ON {same}"
    else:
        beside = f"JOIN {member} m2 ON {same} JOIN {entry} e2 ON e2.member_id = m2.id"
    restrict, ids = "", []
    if entry_ids is not None:
        # A pair breaks the rule whichever of its two entries changed.
        ids = list(entry_ids) or [0]
        marks = ", ".join(["%s"] * len(ids))
        restrict, ids = f" AND (e1.id IN ({marks}) OR e2.id IN ({marks}))", ids * 2
    sql = f"""
        SELECT r.id, e1.id, e2.id,
               CASE WHEN e1.period_from > e2.period_from THEN e1.period_from
                    ELSE e2.period_from END,
               CASE WHEN COALESCE(e1.period_to, %s) < COALESCE(e2.period_to, %s)
                    THEN e1.period_to ELSE e2.period_to END
        FROM {rule} r
        JOIN {entry} e1 ON e1.program_id = r.program_id{m1}
        {beside} AND e2.program_id = r.other_id AND {OVERLAP}
        WHERE r.active AND r.kind = 'excludes' AND r.scope = '{scope}'{restrict}
    """
    return sql, [OPEN_END, OPEN_END, OPEN_END, OPEN_END, *ids]


def _missing_sql(scope: str, entry_ids) -> tuple[str, list]:
    """Entries of a programme with no entry of the programme it requires overlapping."""
    entry, rule, member = _t(LedgerEntry), _t(ProgramRule), _t(HouseholdMember)
    m1, same = _beside(scope)
    m2 = "" if scope == "household" else f" JOIN {member} m2 ON m2.id = e2.member_id"
    restrict, ids = _in("e1.id", entry_ids)
    sql = f"""
        SELECT r.id, e1.id, NULL, e1.period_from, e1.period_to
        FROM {rule} r
        JOIN {entry} e1 ON e1.program_id = r.program_id{m1}
        WHERE r.active AND r.kind = 'requires' AND r.scope = '{scope}'{restrict}
          AND NOT EXISTS (
            SELECT 1 FROM {entry} e2{m2}
            WHERE e2.program_id = r.other_id AND {same} AND {OVERLAP})
    """
    return sql, [*ids, OPEN_END, OPEN_END]


def _duplicates_sql(entry_ids=None) -> tuple[str, list]:
    """(rule, entry, other entry or NULL, overlap from, overlap to) for every breach: one
    statement, a branch per kind and scope of rule, so each joins on equalities."""
    parts = [
        build(scope, entry_ids)
        for build in (_pairs_sql, _missing_sql)
        for scope in ProgramRule.Scope.values
    ]
    return " UNION ALL ".join(sql for sql, _p in parts), [p for _s, ps in parts for p in ps]


# --- 死亡未注销 ----------------------------------------------------------------------------------


def _deaths_sql(entry_ids=None, household_ids=None) -> tuple[str, list]:
    """(entry, dead member, the evidence's date, 'snapshot'|'finding') for every entry
    running today of a person recorded as dead, or of their household as a whole."""
    entry, member = _t(LedgerEntry), _t(HouseholdMember)
    record, snapshot, item = _t(RegistryRecord), _t(RegistrySnapshot), _t(VerificationItem)
    finding, check = _t(Finding), _t(DepartmentCheck)
    restrict_e, ids_e = _in("e.id", entry_ids)
    restrict_h, ids_h = _in("e.household_id", household_ids)
    dead = f"""
        SELECT rr.id_number AS id_number, s.taken_on AS seen_on, 'snapshot' AS source
        FROM {record} rr
        JOIN {snapshot} s ON s.id = rr.snapshot_id AND s.is_current
        JOIN {item} i ON i.id = rr.item_id AND i.meaning = %s
        UNION ALL
        SELECT fm.id_number, c.answered_at, 'finding'
        FROM {finding} f
        JOIN {item} i ON i.id = f.item_id AND i.meaning = %s
        JOIN {member} fm ON fm.id = f.member_id
        JOIN {check} c ON c.id = f.department_check_id
        WHERE f.result = %s
    """
    running, running_params = running_on(timezone.localdate())
    sql = f"""
        WITH dead AS ({dead})
        SELECT e.id, m.id, MIN(d.seen_on), MIN(d.source)
        FROM {entry} e
        JOIN {member} m ON m.id = e.member_id
        JOIN dead d ON d.id_number = m.id_number
        WHERE {running}{restrict_e}{restrict_h}
        GROUP BY e.id, m.id
        UNION ALL
        SELECT e.id, m.id, MIN(d.seen_on), MIN(d.source)
        FROM {entry} e
        JOIN {member} m ON m.household_id = e.household_id
        JOIN dead d ON d.id_number = m.id_number
        WHERE e.member_id IS NULL AND {running}{restrict_e}{restrict_h}
        GROUP BY e.id, m.id
    """
    evidence = [ItemMeaning.DEATH, ItemMeaning.DEATH, Finding.Result.RECORD_FOUND]
    where = [*running_params, *ids_e, *ids_h]
    return sql, evidence + where + where


# --- 超标准 --------------------------------------------------------------------------------------


def _over_standard_sql(household_ids=None) -> tuple[str, list]:
    """(household, request, members covered, income per person per month, property per
    person, the standard's income line, its property line) for every assisted household
    over the standard. Window functions pick each household's last verification and the
    standard in force on the day it completed, so no subquery runs per row."""
    entry, request, item = _t(LedgerEntry), _t(VerificationRequest), _t(VerificationItem)
    finding, check, standard = _t(Finding), _t(DepartmentCheck), _t(LocalStandard)
    household, covered = _t(Household), _members_table()
    request_column = VerificationRequest.members.field.m2m_column_name()
    restrict, ids = _in("r.household_id", household_ids)
    running, running_params = running_on(timezone.localdate())
    sql = f"""
        WITH assisted AS (
            SELECT DISTINCT e.household_id FROM {entry} e
            WHERE {running}
        ),
        ranked AS (
            SELECT r.id AS request_id, r.household_id, r.completed_at, h.office_id,
                   ROW_NUMBER() OVER (
                       PARTITION BY r.household_id ORDER BY r.completed_at DESC, r.id DESC
                   ) AS rank
            FROM {request} r
            JOIN assisted a ON a.household_id = r.household_id
            JOIN {household} h ON h.id = r.household_id
            WHERE r.status = 'completed'{restrict}
        ),
        last AS (SELECT * FROM ranked WHERE rank = 1),
        people AS (
            SELECT rm.{request_column} AS request_id, COUNT(*) AS people
            FROM {covered} rm JOIN last l ON l.request_id = rm.{request_column}
            GROUP BY rm.{request_column}
        ),
        sums AS (
            SELECT c.request_id,
                   SUM(CASE WHEN i.meaning = %s THEN f.amount ELSE 0 END) AS income,
                   SUM(CASE WHEN i.meaning = %s THEN f.amount ELSE 0 END) AS property
            FROM last l
            JOIN {check} c ON c.request_id = l.request_id
            JOIN {finding} f ON f.department_check_id = c.id AND f.result = %s
            JOIN {item} i ON i.id = f.item_id AND i.meaning IN (%s, %s)
            GROUP BY c.request_id
        ),
        standards AS (
            SELECT office_id, valid_from, income_per_head_month, property_per_head,
                   LEAD(valid_from) OVER (PARTITION BY office_id ORDER BY valid_from) AS until
            FROM {standard}
        ),
        measured AS (
            SELECT l.household_id, l.request_id, p.people,
                   COALESCE(s.income, 0) * 1.0 / (12 * p.people) AS income_month,
                   COALESCE(s.property, 0) * 1.0 / p.people AS property_head,
                   st.income_per_head_month AS income_line,
                   st.property_per_head AS property_line
            FROM last l
            JOIN people p ON p.request_id = l.request_id
            JOIN sums s ON s.request_id = l.request_id
            JOIN standards st ON st.office_id = l.office_id
             AND st.valid_from <= l.completed_at
             AND (st.until IS NULL OR st.until > l.completed_at)
        )
        SELECT household_id, request_id, people, income_month, property_head,
               income_line, property_line
        FROM measured
        WHERE income_month > income_line OR property_head > property_line
    """
    income, property_ = ItemMeaning.INCOME, ItemMeaning.PROPERTY
    found = Finding.Result.RECORD_FOUND
    return sql, [*running_params, *ids, income, property_, found, income, property_]


# --- Reading a list ------------------------------------------------------------------------------

LISTS = {
    "duplicates": (_duplicates_sql, "2 DESC, 1, 3"),
    "deaths": (_deaths_sql, "1 DESC, 2"),
    "over_standard": (_over_standard_sql, "1 DESC"),
}


def count(name: str, **restrict) -> int:
    build, _order = LISTS[name]
    sql, params = build(**restrict)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) listed", params)
        return cursor.fetchone()[0]


def rows(name: str, *, limit: int | None = None, offset: int = 0, **restrict) -> list[tuple]:
    """The list's rows in display order (newest entries first), a page of them when
    ``limit`` is given."""
    build, order = LISTS[name]
    sql, params = build(**restrict)
    page = ""
    if limit is not None:
        page = " LIMIT %s OFFSET %s"
        params = [*params, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) listed ORDER BY {order}{page}", params)
        return cursor.fetchall()


@dataclass
class Measure:
    """How far over the standard a household's last verification was."""

    people: int
    income_month: Decimal
    property_head: Decimal
    income_line: Decimal
    property_line: Decimal

    @property
    def income_over(self) -> bool:
        return self.income_month > self.income_line

    @property
    def property_over(self) -> bool:
        return self.property_head > self.property_line
