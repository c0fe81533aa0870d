"""Working days (工作日) on the Chinese calendar.

Statutory holidays and adjusted working days (调休) come from the ``chinesecalendar``
package for the years it covers, and from the admin-maintained ``CalendarDay`` table for
later years (and for any correction). A year that neither covers is *unknown*: a deadline
counted into it is computed on Monday–Friday only as a provisional date and flagged, so
the clerk and the administrator see that it will move once the year's holidays are known.
"""

import datetime
from dataclasses import dataclass

import chinese_calendar

from .models import CalendarDay, CalendarYear


@dataclass(frozen=True)
class Deadline:
    date: datetime.date
    # True when the count crossed a year whose official holidays are not yet known.
    provisional: bool


def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkdayCalendar:
    """Answers ``is_workday`` for a span of dates from a single read of the admin table.
    Build one per operation (a request's fan-out, a recount), not per day."""

    def __init__(self):
        self._overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
        self._entered_years = set(
            CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
        )
        self._package_years: dict[int, bool] = {}

    def _package_year(self, year: int) -> bool:
        if year not in self._package_years:
            self._package_years[year] = _package_covers(year)
        return self._package_years[year]

    def year_known(self, year: int) -> bool:
        return year in self._entered_years or self._package_year(year)

    def is_workday(self, day: datetime.date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        # The package's holidays hold even in a year an administrator has also entered:
        # entering a covered year (to record a correction) must not drop them.
        if self._package_year(day.year):
            return chinese_calendar.is_workday(day)
        # An entered year lists its holidays and make-up days as overrides, so the rest
        # follows the week; in an unknown year this is the provisional count.
        return day.weekday() < 5

    def add_working_days(self, start: datetime.date, days: int) -> Deadline:
        """The date ``days`` working days after ``start`` (the start day not counted)."""
        provisional = False
        day = start
        counted = 0
        while counted < days:
            day += datetime.timedelta(days=1)
            if not self.year_known(day.year):
                provisional = True
            if self.is_workday(day):
                counted += 1
        return Deadline(day, provisional)

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count = 0
        day = start
        while day < end:
            day += datetime.timedelta(days=1)
            count += self.is_workday(day)
        return count


def add_working_days(start: datetime.date, days: int) -> Deadline:
    return WorkdayCalendar().add_working_days(start, days)
