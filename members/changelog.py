"""The register's change log, for auditors and administrators: every change to groups,
units, positions, duties, liaisons and programmes, newest first, read from their history
(``simple_history``), filtered by who, which kind of record, which object and when, and
searched by the records' names.

The six history tables are read as one list by a UNION of (time, history id, kind) rows,
which the database sorts, counts and cuts into pages; only the page's rows are then read
in full, one query per kind of record. So a page costs the same few queries whether the
history holds a hundred changes or a million, and so does each chunk of an export.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from .models import AssistanceProgram, Duty, LeadingGroup, Liaison, MemberUnit, Position


@dataclass(frozen=True)
class Source:
    """One kind of record in the log: its model, the related rows its label needs, the
    label of one historical row, and the fields a search looks in."""

    model: type
    related: tuple[str, ...]
    label: Callable
    search: tuple[str, ...]


def _unit_name(record) -> str:
    return record.unit.name if record.unit else ""


SOURCES: dict[str, Source] = {
    "group": Source(LeadingGroup, (), lambda h: h.name, ("name", "short_name")),
    "unit": Source(MemberUnit, (), lambda h: h.name, ("name", "short_name")),
    "position": Source(
        Position, (), lambda h: f"{h.person} {h.title}".strip(), ("person", "title")
    ),
    "duty": Source(
        Duty, ("unit",), lambda h: f"{_unit_name(h)}: {h.text[:40]}", ("text", "unit__name")
    ),
    "liaison": Source(
        Liaison,
        ("user", "unit"),
        lambda h: f"{h.user.get_full_name() if h.user else ''} ({_unit_name(h)})",
        ("user__first_name", "user__last_name", "user__username", "unit__name", "title"),
    ),
    "programme": Source(AssistanceProgram, (), lambda h: h.name, ("name",)),
}


def kinds() -> list[tuple[str, str]]:
    """(key, verbose name) of each kind of record, for the filter."""
    return [(key, source.model._meta.verbose_name) for key, source in SOURCES.items()]


@dataclass(frozen=True)
class Filters:
    """What the auditor narrowed the log to; every field optional."""

    user_id: int | None = None
    kind: str = ""
    object_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = ""


def _start_of(day: datetime.date) -> datetime.datetime:
    # Dates are the office's (Beijing time): a day starts at its local midnight.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _history(key: str, source: Source, filters: Filters) -> QuerySet:
    records = source.model.history.all()
    if filters.user_id is not None:
        records = records.filter(history_user_id=filters.user_id)
    if filters.object_id is not None:
        records = records.filter(id=filters.object_id)
    if filters.date_from:
        records = records.filter(history_date__gte=_start_of(filters.date_from))
    if filters.date_to:
        records = records.filter(
            history_date__lt=_start_of(filters.date_to + datetime.timedelta(days=1))
        )
    if q := filters.q.strip():
        match = Q(history_change_reason__icontains=q)
        for field in source.search:
            match |= Q(**{f"{field}__icontains": q})
        records = records.filter(match)
    records = records.order_by().annotate(log_kind=Value(key, output_field=CharField()))
    return records.values_list("history_date", "history_id", "log_kind")


def entries(filters: Filters) -> QuerySet:
    """(time, history id, kind) of every change that matches, newest first: one query,
    which a paginator counts and slices."""
    keys = [filters.kind] if filters.kind in SOURCES else list(SOURCES)
    parts = [_history(key, SOURCES[key], filters) for key in keys]
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return union.order_by("-history_date", "-history_id")


def rows(keys) -> list[dict]:
    """The changes named by ``keys`` ((time, history id, kind) rows, as ``entries`` gives
    them), in that order, each with its author, kind, type of change and label: one query
    per kind of record present."""
    keys = list(keys)
    wanted: dict[str, list[int]] = {}
    for _date, history_id, kind in keys:
        wanted.setdefault(kind, []).append(history_id)
    records = {}
    for kind, ids in wanted.items():
        source = SOURCES[kind]
        for record in source.model.history.select_related("history_user", *source.related).filter(
            history_id__in=ids
        ):
            records[kind, record.history_id] = record
    result = []
    for _date, history_id, kind in keys:
        record = records.get((kind, history_id))
        if record is None:
            continue
        source = SOURCES[kind]
        result.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "kind": kind,
                "model": source.model._meta.verbose_name,
                "object_id": record.id,
                "type": record.get_history_type_display(),
                "label": source.label(record),
                "reason": record.history_change_reason,
            }
        )
    return result


def all_rows(filters: Filters, *, chunk: int = 1000) -> Iterator[dict]:
    """Every matching change, newest first, read ``chunk`` at a time (for the export)."""
    keys = list(entries(filters))
    for start in range(0, len(keys), chunk):
        yield from rows(keys[start : start + chunk])


def authors() -> QuerySet:
    """The people who appear in the log as authors of a change, for the filter: one query."""
    authored = Q()
    for source in SOURCES.values():
        authored |= Exists(source.model.history.filter(history_user_id=OuterRef("pk")))
    return get_user_model().objects.filter(authored).order_by("username")
