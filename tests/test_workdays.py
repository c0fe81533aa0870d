"""Working-day deadlines on the Chinese calendar: statutory holidays and make-up working
days (调休) from the chinesecalendar package, the start day not counted, and a year
whose holidays are not known yet flagged as provisional until an administrator enters it.

The 2026 dates used below are first checked against the package's own data, so a
package update that moves them fails here with a clear message, not in a deadline test.
"""

import datetime

import chinese_calendar
import pytest

from assistance.models import CalendarDay, CalendarYear
from assistance.workdays import Deadline, WorkdayCalendar, add_working_days

pytestmark = pytest.mark.django_db

D = datetime.date

SPRING_FESTIVAL_2026 = [D(2026, 2, 15) + datetime.timedelta(days=n) for n in range(9)]
NATIONAL_DAY_2026 = [D(2026, 10, 1) + datetime.timedelta(days=n) for n in range(7)]


def test_the_package_holds_the_2026_holidays_these_tests_rely_on():
    for day in SPRING_FESTIVAL_2026:
        assert chinese_calendar.get_holiday_detail(day) == (True, "Spring Festival"), day
    for day in NATIONAL_DAY_2026:
        assert chinese_calendar.get_holiday_detail(day) == (True, "National Day"), day
    # Make-up working days: two Saturdays around the Spring Festival, a Sunday and a
    # Saturday around National Day.
    for day, weekday in [
        (D(2026, 2, 14), 5),
        (D(2026, 2, 28), 5),
        (D(2026, 9, 20), 6),
        (D(2026, 10, 10), 5),
    ]:
        assert day.weekday() == weekday
        assert chinese_calendar.is_workday(day), day
    # The days just outside the holidays are ordinary.
    assert chinese_calendar.is_workday(D(2026, 2, 13))
    assert chinese_calendar.is_workday(D(2026, 2, 24))
    assert chinese_calendar.is_workday(D(2026, 10, 9))
    # 2027 is not in the package (yet): that is what the provisional tests are about.
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 6, 1))


def test_the_start_day_is_not_counted():
    # Monday 2 March 2026: one working day later is Tuesday.
    assert add_working_days(D(2026, 3, 2), 1) == Deadline(D(2026, 3, 3), provisional=False)
    # Starting on a Saturday, the first working day is Monday.
    assert add_working_days(D(2026, 3, 7), 1).date == D(2026, 3, 9)


def test_five_working_days_from_a_friday_is_the_next_friday():
    assert add_working_days(D(2026, 3, 6), 5) == Deadline(D(2026, 3, 13), provisional=False)


def test_the_spring_festival_and_its_make_up_saturday():
    # Friday 13 February: Saturday 14th is a make-up working day (1), the 15th to the
    # 23rd are the holiday, then Tuesday 24th to Friday 27th (2-5).
    assert add_working_days(D(2026, 2, 13), 5) == Deadline(D(2026, 2, 27), provisional=False)
    # One working day from Friday 13th is the make-up Saturday itself.
    assert add_working_days(D(2026, 2, 13), 1).date == D(2026, 2, 14)
    # Started during the holiday, the count begins after it.
    assert add_working_days(D(2026, 2, 18), 1).date == D(2026, 2, 24)
    # Saturday 28 February is a working day: Wednesday 25th + 3 = Saturday 28th.
    assert add_working_days(D(2026, 2, 25), 3).date == D(2026, 2, 28)


def test_national_day_and_its_make_up_days():
    # Wednesday 30 September: the 1st to the 7th are the holiday, then Thursday 8th,
    # Friday 9th and the make-up Saturday 10th.
    assert add_working_days(D(2026, 9, 30), 3).date == D(2026, 10, 10)
    # Sunday 20 September is a make-up working day: one day from Saturday 19th.
    assert add_working_days(D(2026, 9, 19), 1).date == D(2026, 9, 20)


def test_working_days_between_counts_after_the_start_up_to_the_end():
    calendar = WorkdayCalendar()
    # 14th (make-up) and 24th to 27th; the holiday between counts nothing.
    assert calendar.working_days_between(D(2026, 2, 13), D(2026, 2, 27)) == 5
    assert calendar.working_days_between(D(2026, 2, 27), D(2026, 2, 13)) == 0
    assert calendar.working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0


def test_a_count_into_a_year_not_yet_known_is_provisional_on_monday_to_friday():
    # Monday 28 December 2026 + 5: 29th, 30th, 31st, then 2027 on Monday-Friday:
    # Friday 1 January (New Year's Day, but 2027 is not known) and Monday 4 January.
    deadline = add_working_days(D(2026, 12, 28), 5)
    assert deadline == Deadline(D(2027, 1, 4), provisional=True)
    # A count that stays inside 2026 is not flagged.
    assert add_working_days(D(2026, 12, 24), 4) == Deadline(D(2026, 12, 30), provisional=False)


def test_an_entered_year_is_known_and_its_holidays_are_skipped():
    CalendarYear.objects.create(year=2027, complete=True, note="国办发明电〔2026〕 (test)")
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    deadline = add_working_days(D(2026, 12, 28), 5)
    # 29th, 30th, 31st, Monday 4th, Tuesday 5th: New Year's Day no longer counted.
    assert deadline == Deadline(D(2027, 1, 5), provisional=False)


def test_an_entered_make_up_day_counts_in_an_entered_year():
    CalendarYear.objects.create(year=2027, complete=True)
    CalendarDay.objects.create(date=D(2027, 1, 2), is_workday=True, name="调休上班")
    # Thursday 31 December + 2: Friday 1 January, then the make-up Saturday 2nd.
    assert add_working_days(D(2026, 12, 31), 2) == Deadline(D(2027, 1, 2), provisional=False)


def test_a_year_being_entered_stays_provisional_but_uses_what_is_entered():
    # The administrator has begun 2027 but not ticked it complete.
    CalendarYear.objects.create(year=2027, complete=False)
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    assert add_working_days(D(2026, 12, 28), 5) == Deadline(D(2027, 1, 5), provisional=True)


def test_an_override_wins_inside_a_year_the_package_covers():
    # Without an override, Monday 2 March + 1 is Tuesday 3rd.
    CalendarDay.objects.create(date=D(2026, 3, 3), is_workday=False, name="更正")
    assert add_working_days(D(2026, 3, 2), 1) == Deadline(D(2026, 3, 4), provisional=False)
    # And a package holiday made a working day by correction counts.
    CalendarDay.objects.create(date=D(2026, 2, 16), is_workday=True, name="更正")
    assert add_working_days(D(2026, 2, 13), 2).date == D(2026, 2, 16)


def test_entering_a_year_the_package_covers_keeps_the_packages_holidays():
    # An administrator records 2026 as entered (say, with one correction): the Spring
    # Festival the package knows must not turn into working days.
    CalendarYear.objects.create(year=2026, complete=True, note="国办发明电〔2025〕7号")
    CalendarDay.objects.create(date=D(2026, 3, 3), is_workday=False, name="更正")
    assert add_working_days(D(2026, 2, 13), 5) == Deadline(D(2026, 2, 27), provisional=False)
    assert add_working_days(D(2026, 3, 2), 1).date == D(2026, 3, 4)


def test_one_calendar_reads_the_table_once_for_any_span(django_assert_num_queries):
    with django_assert_num_queries(2):
        calendar = WorkdayCalendar()
    with django_assert_num_queries(0):
        calendar.add_working_days(D(2026, 1, 1), 250)
        calendar.working_days_between(D(2026, 1, 1), D(2026, 12, 31))
