"""Working days in mainland China: chinese-calendar, overridden by bureau-entered days.

chinese-calendar ships each year's State Council holiday schedule (including 调休 make-up
workdays) but only for years it knows; for other years, weekends are rest days unless a
CalendarOverride row says otherwise.
"""

from datetime import date, timedelta

import chinese_calendar


def _overrides(start: date, end: date) -> dict[date, bool]:
    from portal.models import CalendarOverride

    return dict(CalendarOverride.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


def _package_is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_workday(day: date, overrides: dict[date, bool] | None = None) -> bool:
    if overrides is None:
        overrides = _overrides(day, day)
    if day in overrides:
        return overrides[day]
    return _package_is_workday(day)


def add_workdays(start: date, count: int) -> date:
    """The date on which a period of `count` working days that starts on `start` ends.

    `start` itself counts when it is a working day (a 5-working-day publicity starting Monday
    ends on Friday).
    """
    if count < 1:
        raise ValueError("count must be >= 1")
    overrides = _overrides(start, start + timedelta(days=count * 3 + 30))
    day = start
    remaining = count
    while True:
        if is_workday(day, overrides):
            remaining -= 1
            if remaining == 0:
                return day
        day += timedelta(days=1)


def workdays_between(start: date, end: date) -> int:
    """Working days in [start, end]."""
    overrides = _overrides(start, end)
    days = (end - start).days + 1
    return sum(1 for i in range(max(days, 0)) if is_workday(start + timedelta(days=i), overrides))


def package_covers(year: int) -> bool:
    """Whether chinese-calendar knows `year` (otherwise the bureau should enter holidays)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False
