"""Cursor pagination, the same for every list of the API: oldest first, ``limit`` rows
after the row ``after``, and ``next_after`` (the last row's id) while there are more. A
cursor, unlike a page number, skips and repeats nothing when rows come and go between
calls."""

import datetime

from django.db.models import QuerySet
from ninja import Query

PAGE_LIMIT = 100


def after_param():
    """The ``after`` query parameter: the last id of the previous page, 0 for the first."""
    return Query(0, ge=0)


def limit_param():
    """The ``limit`` query parameter: how many rows a page has (50 unless said)."""
    return Query(50, ge=1, le=PAGE_LIMIT)


def cursor_page(rows: QuerySet, *, after: int, limit: int) -> tuple[list, int | None]:
    """(the page's rows, ``next_after``) of ``rows``, in one query."""
    page = list(rows.filter(pk__gt=after).order_by("pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, page[-1].pk if more else None


def in_utc(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` (an ``updated_since``) in UTC: PostgreSQL takes offsets up to ±15:59
    only, and ISO 8601 allows more. A moment whose UTC falls outside years 1–9999 is the
    first or last there is."""
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        edge = datetime.datetime.min if moment.year == 1 else datetime.datetime.max
        return edge.replace(tzinfo=datetime.UTC)
