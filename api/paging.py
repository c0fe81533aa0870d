"""Cursor pagination, as every list of the API pages: the rows after the cursor ``after``
(a pk), oldest first, ``limit`` at a time, with ``next_after`` for the next page (None on
the last). A cursor stays right while rows are added, where an offset would skip some."""

from django.db.models import QuerySet


def cursor_page(queryset: QuerySet, *, after: int, limit: int) -> tuple[list, int | None]:
    """(the page's rows, ``next_after``) of ``queryset``."""
    page = list(queryset.filter(pk__gt=after).order_by("pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].pk if more else None)
