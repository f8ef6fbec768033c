"""Working days by the State Council calendar.

``chinesecalendar`` knows the statutory holidays and make-up workdays (调休)
for the years it ships with. For other years the office enters the schedule
(published each November) as ``CalendarDay`` rows and marks the year complete
in ``CalendarYear``. A date in a year that neither knows is an error the
office sees (``UnknownCalendarYear``), never a guess; office entries also
override the library for the years it knows (a correction, a local holiday).
"""

import datetime
import time
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _

from rectification.models import CalendarDay, CalendarYear


class UnknownCalendarYear(ValidationError):
    """A ValidationError, so that every page that saves shows it to the office as it is."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _("系统还没有 %(year)d 年的节假日安排，无法计算工作日。请作风办在“工作日历”中录入 %(year)d 年的放假和调休安排。")
            % {"year": year},
            code="unknown_calendar_year",
        )

    def __str__(self):
        return self.messages[0]


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
    raise UnknownCalendarYear(day.year)


def add_working_days(start: datetime.date, days: int, *, count_start_day: bool | None = None) -> datetime.date:
    """The date by which ``days`` working days have passed since ``start``.

    By default the start day is not counted (the first working day is the one
    after it); ``RECTIFICATION_COUNT_START_DAY`` (or ``count_start_day``)
    counts it when it is a working day. The result is always a working day, so
    a period that would end on a holiday ends on the next working day.
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
            return start
    while remaining:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


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
