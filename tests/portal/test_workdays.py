"""Working days: chinese-calendar's State Council schedule, overridden by bureau-entered days.

国庆 2025: 10月1日–8日 off, 9月28日 (Sun) and 10月11日 (Sat) are 调休 workdays.
春节 2026: 2月15日–23日 off, 2月14日 (Sat) and 2月28日 (Sat) are 调休 workdays.
"""

from datetime import date

import pytest

from portal.models import CalendarOverride
from portal.workdays import add_workdays, is_workday, package_covers, workdays_between

pytestmark = pytest.mark.django_db

# A year chinese-calendar 1.11 does not ship (it knows 2004–2026).
UNKNOWN_YEAR = 2035


@pytest.mark.parametrize(
    "start, end",
    [
        # Tue 30 Sep, (holiday 1–8 Oct), Thu 9, Fri 10, Sat 11 (调休), Mon 13.
        (date(2025, 9, 30), date(2025, 10, 13)),
        # Sat 27 Sep is a rest day; Sun 28 (调休), 29, 30, (holiday), 9, 10.
        (date(2025, 9, 27), date(2025, 10, 10)),
        # Thu 12, Fri 13, Sat 14 Feb (调休), (holiday 15–23), Tue 24, Wed 25.
        (date(2026, 2, 12), date(2026, 2, 25)),
        # A period starting inside the holiday begins on the first working day after it.
        (date(2026, 2, 16), date(2026, 2, 28)),
    ],
    ids=["guoqing-2025", "guoqing-2025-from-weekend", "chunjie-2026", "chunjie-2026-inside"],
)
def test_five_working_days_skip_holidays_and_count_make_up_days(start, end):
    assert add_workdays(start, 5) == end


def test_working_days_in_the_national_day_fortnight():
    # 28, 29, 30 Sep; 9, 10, 11 Oct.
    assert workdays_between(date(2025, 9, 27), date(2025, 10, 12)) == 6


def test_a_period_starting_on_a_working_day_counts_that_day():
    assert add_workdays(date(2025, 11, 3), 1) == date(2025, 11, 3)
    assert add_workdays(date(2025, 11, 3), 5) == date(2025, 11, 7)


def test_an_override_rest_day_wins_over_the_package():
    CalendarOverride.objects.create(date=date(2025, 10, 9), is_workday=False, note="临时调整")
    assert is_workday(date(2025, 10, 9)) is False
    # 30 Sep, 10, 11, 13, 14 Oct.
    assert add_workdays(date(2025, 9, 30), 5) == date(2025, 10, 14)


def test_an_override_workday_wins_over_a_package_holiday():
    CalendarOverride.objects.create(date=date(2025, 10, 8), is_workday=True, note="补班")
    assert is_workday(date(2025, 10, 8)) is True
    # 30 Sep, 8, 9, 10, 11 Oct.
    assert add_workdays(date(2025, 9, 30), 5) == date(2025, 10, 11)


def test_a_year_the_package_lacks_falls_back_to_weekdays():
    assert package_covers(UNKNOWN_YEAR) is False
    assert package_covers(2026) is True
    # Mon 1 Oct 2035 … Fri 5 Oct: no holiday data, so 国庆 is not known to be off.
    assert add_workdays(date(UNKNOWN_YEAR, 10, 1), 5) == date(UNKNOWN_YEAR, 10, 5)
    assert add_workdays(date(UNKNOWN_YEAR, 10, 4), 5) == date(UNKNOWN_YEAR, 10, 10)
    assert [is_workday(date(UNKNOWN_YEAR, 10, d)) for d in (5, 6, 7, 8)] == [True, False, False, True]


def test_bureau_entered_holidays_fill_a_year_the_package_lacks():
    for day in range(1, 8):
        CalendarOverride.objects.create(date=date(UNKNOWN_YEAR, 10, day), is_workday=False, note="国庆节")
    CalendarOverride.objects.create(date=date(UNKNOWN_YEAR, 9, 29), is_workday=True, note="国庆调休")
    # Sat 29 Sep (调休), 8, 9, 10, 11 Oct.
    assert add_workdays(date(UNKNOWN_YEAR, 9, 29), 5) == date(UNKNOWN_YEAR, 10, 11)


def test_count_must_be_positive():
    with pytest.raises(ValueError, match="count must be >= 1"):
        add_workdays(date(2025, 10, 1), 0)
