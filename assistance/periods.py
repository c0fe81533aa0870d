"""Calendar quarters, as the office reports and scores by them."""

import datetime


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_span(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of ``quarter`` (1–4) of ``year``."""
    start = datetime.date(year, 3 * quarter - 2, 1)
    following = datetime.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, following - datetime.timedelta(days=1)


def last_quarter(today: datetime.date) -> tuple[int, int]:
    """The quarter before the one ``today`` is in: the one a bulletin reports on."""
    quarter = quarter_of(today)
    return (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
