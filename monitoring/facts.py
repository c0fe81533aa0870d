"""What the warning rules and the hardship indicators read, as SQL fragments that the
database runs on its own rows (PostgreSQL in production; the same SQL runs on SQLite for a
first run). Nothing is read per household in Python.

A fact about a person is **current** when the department's current registry extract holds
a record of an item with that meaning for the person's ID number, or the household's last
completed verification found one (``evidence``). It is **new** when no imported extract
taken, and no check answered, before a cutoff recorded it (``first_seen_after``).
Ages come from the ID number's date of birth (characters 7 to 14, ``YYYYMMDD``).

Each function returns ``(sql, params)``; the SQL names the tables through the connection,
so it follows the models. Every fragment is restricted to one office's households.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from ledger.conflicts import running_on
from ledger.models import LedgerEntry, LocalStandard
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
from verification.sql import qn, table

RECORD_FOUND = Finding.Result.RECORD_FOUND
COMPLETED = VerificationRequest.Status.COMPLETED
IMPORTED = RegistrySnapshot.Status.IMPORTED


def type_id(model) -> int:
    """The content type of the model a fact came from (cached by Django)."""
    return ContentType.objects.get_for_model(model).pk


def day_of(expression: str) -> str:
    """The date of a timestamp column, in SQL both databases run."""
    if connection.vendor == "postgresql":
        return f"CAST({expression} AS date)"
    return f"DATE({expression})"


def born_on_or_before(day: datetime.date, years: int) -> str:
    """The latest date of birth, as ``YYYYMMDD``, of a person at least ``years`` old on
    ``day``: compared with the ID number's characters 7 to 14, as text."""
    try:
        cutoff = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        cutoff = day.replace(year=day.year - years, day=28)
    return cutoff.strftime("%Y%m%d")


def birth(alias: str = "m") -> str:
    return f"SUBSTR({alias}.{qn('id_number')}, 7, 8)"


def last_requests(office_id: int) -> tuple[str, list]:
    """(request_id, household_id, completed_at) of each household's last completed
    verification request."""
    request, household = table(VerificationRequest), table(Household)
    sql = f"""
        SELECT r.id AS request_id, r.household_id AS household_id,
               r.completed_at AS completed_at
        FROM {request} r
        JOIN {household} h ON h.id = r.household_id AND h.office_id = %s
        WHERE r.status = %s AND NOT EXISTS (
            SELECT 1 FROM {request} r2
            WHERE r2.household_id = r.household_id AND r2.status = %s
              AND (r2.completed_at > r.completed_at
                   OR (r2.completed_at = r.completed_at AND r2.id > r.id)))
    """
    return sql, [office_id, COMPLETED, COMPLETED]


def evidence(office_id: int, meanings: tuple[str, ...]) -> tuple[str, list]:
    """(member_id, household_id, id_number, seen_on, amount, details, source_type,
    source_id) of every current record of an item with one of ``meanings``, for the
    members of the office's households: from the current registry extracts, matched by ID
    number, and from each household's last completed verification."""
    record, snapshot, item = table(RegistryRecord), table(RegistrySnapshot), table(VerificationItem)
    member, household = table(HouseholdMember), table(Household)
    finding, check = table(Finding), table(DepartmentCheck)
    marks = ", ".join(["%s"] * len(meanings))
    last_sql, last_params = last_requests(office_id)
    sql = f"""
        SELECT m.id AS member_id, m.household_id AS household_id, m.id_number AS id_number,
               s.taken_on AS seen_on, rr.amount AS amount, rr.details AS details,
               %s AS source_type, rr.id AS source_id
        FROM {record} rr
        JOIN {snapshot} s ON s.id = rr.snapshot_id AND s.is_current
        JOIN {item} i ON i.id = rr.item_id AND i.meaning IN ({marks})
        JOIN {member} m ON m.id_number = rr.id_number
        JOIN {household} h ON h.id = m.household_id AND h.office_id = %s
        UNION ALL
        SELECT m.id, m.household_id, m.id_number, {day_of("c.answered_at")}, f.amount,
               f.details, %s, f.id
        FROM {finding} f
        JOIN {item} i ON i.id = f.item_id AND i.meaning IN ({marks})
        JOIN {check} c ON c.id = f.department_check_id
        JOIN ({last_sql}) lr ON lr.request_id = c.request_id
        JOIN {member} m ON m.id = f.member_id
        WHERE f.result = %s
    """
    params = [
        type_id(RegistryRecord),
        *meanings,
        office_id,
        type_id(Finding),
        *meanings,
        *last_params,
        RECORD_FOUND,
    ]
    return sql, params


def first_seen_after(meanings: tuple[str, ...], cutoff: datetime.date, alias="e") -> tuple:
    """A condition on ``alias`` (an evidence row): no imported extract taken before
    ``cutoff``, and no check answered before it, recorded the fact for the person."""
    record, snapshot, item = table(RegistryRecord), table(RegistrySnapshot), table(VerificationItem)
    finding, check = table(Finding), table(DepartmentCheck)
    marks = ", ".join(["%s"] * len(meanings))
    sql = f"""
        NOT EXISTS (
            SELECT 1 FROM {record} rr2
            JOIN {snapshot} s2 ON s2.id = rr2.snapshot_id AND s2.status = %s
            JOIN {item} i2 ON i2.id = rr2.item_id AND i2.meaning IN ({marks})
            WHERE rr2.id_number = {alias}.id_number AND s2.taken_on < %s)
        AND NOT EXISTS (
            SELECT 1 FROM {finding} f2
            JOIN {item} i2 ON i2.id = f2.item_id AND i2.meaning IN ({marks})
            JOIN {check} c2 ON c2.id = f2.department_check_id
            WHERE f2.member_id = {alias}.member_id AND f2.result = %s
              AND {day_of("c2.answered_at")} < %s)
    """
    return sql, [IMPORTED, *meanings, cutoff, *meanings, RECORD_FOUND, cutoff]


def one_per(key: str, inner: str) -> str:
    """The rows of ``inner`` (an evidence query), one per ``key`` (the newest record, then
    the highest key of its source): a person with a record in an extract and a finding is
    counted once."""
    return f"""
        SELECT * FROM (
            SELECT x.*, ROW_NUMBER() OVER (
                PARTITION BY x.{key} ORDER BY x.seen_on DESC, x.source_type, x.source_id DESC
            ) AS n
            FROM ({inner}) x
        ) picked WHERE picked.n = 1
    """


def incomes(office_id: int) -> tuple[str, list]:
    """(household_id, request_id, completed_at, people, income) of each household's last
    completed verification: the members it covered and the income its findings recorded
    (the amounts of income items, over 12 months)."""
    finding, item, check = table(Finding), table(VerificationItem), table(DepartmentCheck)
    covered = qn(VerificationRequest.members.through._meta.db_table)
    request_column = qn(VerificationRequest.members.field.m2m_column_name())
    last_sql, last_params = last_requests(office_id)
    sql = f"""
        SELECT lr.household_id AS household_id, lr.request_id AS request_id,
               lr.completed_at AS completed_at, p.people AS people,
               COALESCE(inc.income, 0) AS income
        FROM ({last_sql}) lr
        JOIN (SELECT rm.{request_column} AS request_id, COUNT(*) AS people
              FROM {covered} rm GROUP BY rm.{request_column}) p
          ON p.request_id = lr.request_id
        LEFT JOIN (
            SELECT c.request_id AS request_id, SUM(f.amount) AS income
            FROM {finding} f
            JOIN {item} i ON i.id = f.item_id AND i.meaning = %s
            JOIN {check} c ON c.id = f.department_check_id
            WHERE f.result = %s
            GROUP BY c.request_id
        ) inc ON inc.request_id = lr.request_id
    """
    return sql, [*last_params, ItemMeaning.INCOME, RECORD_FOUND]


def standard_line(office_id: int, day: datetime.date) -> tuple[str, list]:
    """The local standard's income line per person and month in force on ``day``, as a
    scalar subquery (NULL when the office has none)."""
    standard = table(LocalStandard)
    sql = f"""
        (SELECT s.income_per_head_month FROM {standard} s
         WHERE s.office_id = %s AND s.valid_from <= %s
         ORDER BY s.valid_from DESC LIMIT 1)
    """
    return sql, [office_id, day]


def assisted(day: datetime.date, alias: str = "household_id") -> tuple[str, list]:
    """A condition: the household ``alias`` names has a ledger entry running on ``day``."""
    running, params = running_on(day, "le")
    sql = f"""
        EXISTS (SELECT 1 FROM {table(LedgerEntry)} le
                WHERE le.household_id = {alias} AND {running})
    """
    return sql, params


def solo_members(office_id: int, born_by: str) -> tuple[str, list]:
    """(member_id, household_id) of the members born on or before ``born_by`` who are
    their household's only member."""
    member, household = table(HouseholdMember), table(Household)
    sql = f"""
        SELECT m.id AS member_id, m.household_id AS household_id
        FROM {member} m
        JOIN {household} h ON h.id = m.household_id AND h.office_id = %s
        JOIN (SELECT m2.household_id FROM {member} m2
              GROUP BY m2.household_id HAVING COUNT(*) = 1) solo
          ON solo.household_id = m.household_id
        WHERE {birth()} <= %s
    """
    return sql, [office_id, born_by]
