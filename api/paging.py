"""Cursor pagination, the same for every list of the API: oldest first, ``limit`` rows
after the row ``after``, and ``next_after`` (the last row's id) while there are more. A
cursor, unlike a page number, skips and repeats nothing when rows come and go between
calls."""

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
