"""Working days by the State Council calendar.

``chinesecalendar`` knows the statutory holidays and make-up workdays (调休)
for the years it ships with. For other years the office enters the schedule
(published each November) as ``CalendarDay`` rows and marks the year complete
in ``CalendarYear``; office entries also override the library for the years it
knows (a correction, a local holiday).

A year that neither knows yet is counted *provisionally* (预估), never
refused: weekends, plus the statutory holidays of 《全国年节及纪念日放假办法》
as amended in 2024 (``statutory_holidays``), without the make-up workdays
that only the announcement fixes. A deadline counted through such a year is
marked provisional where it is stored (``RectificationItem.deadline_estimated``)
and shown as 预估; once the year is announced the ledger counts it again
(``rectification.services.estimated_deadlines_recount``).
"""

import datetime
import time
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.db.models import Max
from lunar_python import Lunar

from rectification.models import CalendarDay, CalendarYear


class CountedDate(datetime.date):
    """A date a working-day sum reached, saying whether it counted through a year not yet announced
    (``provisional``). It is an ordinary date everywhere else (a DateField stores it as one)."""

    provisional: bool = False

    @classmethod
    def reached(cls, day: datetime.date, provisional: bool) -> "CountedDate":
        counted = cls(day.year, day.month, day.day)
        counted.provisional = provisional
        return counted


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """The days off that the 2024 amendment of 《全国年节及纪念日放假办法》 fixes for every year:
    元旦 1 day, 春节 4 (from 除夕), 清明 1 (the solar term), 劳动节 2, 端午 1, 中秋 1, 国庆 3.
    Lunar dates come from ``lunar_python``, 清明 from ``chinesecalendar``'s solar terms."""
    D = datetime.date
    new_year = Lunar.fromYmd(year, 1, 1).getSolar()
    spring = D(new_year.getYear(), new_year.getMonth(), new_year.getDay())

    def lunar(month, day):
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return D(solar.getYear(), solar.getMonth(), solar.getDay())

    qingming = next(day for day, name in chinese_calendar.get_solar_terms(D(year, 4, 1), D(year, 4, 10))
                    if name == "清明")
    days = {D(year, 1, 1): "元旦"}
    days.update({spring + datetime.timedelta(days=n): "春节" for n in range(-1, 3)})
    days[qingming] = "清明节"
    days.update({D(year, 5, 1): "劳动节", D(year, 5, 2): "劳动节"})
    days[lunar(5, 5)] = "端午节"
    days[lunar(8, 15)] = "中秋节"
    days.update({D(year, 10, n): "国庆节" for n in (1, 2, 3)})
    return dict(sorted(days.items()))


def _library_is_workday(day: datetime.date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@lru_cache(maxsize=64)
def _office_year(year: int) -> tuple[bool, dict[datetime.date, bool]]:
    """(whether the office marked the year complete, its day overrides). Cached per process,
    and dropped as soon as the calendar changes anywhere (``_refresh``)."""
    complete = CalendarYear.objects.filter(year=year, complete=True).exists()
    days = dict(
        CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")
    )
    return complete, days


# Every edit of the calendar, in any process, writes a history row (django-simple-history), so the
# newest history ids are the calendar's version. Each process compares them with the version its
# cache was built from at the first working-day sum of each request (``recheck`` runs when a
# request starts), and every few seconds in processes that serve no requests (the task worker).
RECHECK_SECONDS = 2.0
_seen = {"version": None, "checked_at": float("-inf")}


def version() -> tuple:
    return (
        CalendarDay.history.aggregate(n=Max("history_id"))["n"],
        CalendarYear.history.aggregate(n=Max("history_id"))["n"],
    )


def recheck(**kwargs):
    """Ask for the version again before the next working-day sum (connected to request_started)."""
    _seen["checked_at"] = float("-inf")


def _refresh():
    now = time.monotonic()
    if now - _seen["checked_at"] < RECHECK_SECONDS:
        return
    current = version()
    if current != _seen["version"]:
        _office_year.cache_clear()
        _seen["version"] = current
    _seen["checked_at"] = now


def clear_cache():
    """Forget the cache at once (this process; the others follow their next request)."""
    _office_year.cache_clear()
    recheck()


def year_announced(year: int) -> bool:
    """Whether the year's schedule is known: shipped with the library, or entered in full by the office."""
    _refresh()
    return _office_year(year)[0] or _library_is_workday(datetime.date(year, 6, 1)) is not None


def is_provisional(day: datetime.date) -> bool:
    """Whether working-day sums reaching this day count by the provisional rule (预估)."""
    return not year_announced(day.year)


def is_workday(day: datetime.date) -> bool:
    _refresh()
    complete, overrides = _office_year(day.year)
    if day in overrides:
        return overrides[day]
    library = _library_is_workday(day)
    if library is not None:
        return library
    if complete:
        return day.weekday() < 5
    return day.weekday() < 5 and day not in statutory_holidays(day.year)


def add_working_days(start: datetime.date, days: int, *, count_start_day: bool | None = None) -> CountedDate:
    """The date by which ``days`` working days have passed since ``start``.

    By default the start day is not counted (the first working day is the one
    after it); ``RECTIFICATION_COUNT_START_DAY`` (or ``count_start_day``)
    counts it when it is a working day. The result is always a working day, so
    a period that would end on a holiday ends on the next working day. It says
    ``provisional`` when the count went through a year not yet announced.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    if count_start_day is None:
        count_start_day = settings.RECTIFICATION_COUNT_START_DAY
    day = start
    remaining = days
    if count_start_day and is_workday(start):
        remaining -= 1
        if remaining == 0:
            return CountedDate.reached(start, is_provisional(start))
    while remaining:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    provisional = any(is_provisional(datetime.date(year, 1, 1)) for year in range(start.year, day.year + 1))
    return CountedDate.reached(day, provisional)


def due_soon_horizon(today: datetime.date) -> datetime.date:
    """The last deadline that is "due soon" (the yellow light, the reminders, the ledger's filter):
    RECTIFICATION_DUE_SOON_DAYS working days after today."""
    return add_working_days(today, settings.RECTIFICATION_DUE_SOON_DAYS)


def working_days_left(today: datetime.date, deadline: datetime.date) -> int:
    """Working days from today (not counted) up to and including the deadline; negative when overdue."""
    if deadline < today:
        return -sum(
            1 for n in range(1, (today - deadline).days + 1) if is_workday(deadline + datetime.timedelta(days=n))
        )
    return sum(1 for n in range(1, (deadline - today).days + 1) if is_workday(today + datetime.timedelta(days=n)))
