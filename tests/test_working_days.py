"""Working days by the State Council calendar, with the office's own entries for other years."""

import datetime

import pytest

from rectification import calendar
from rectification.calendar import UnknownCalendarYear, add_working_days, working_days_left
from rectification.models import CalendarDay, CalendarYear

D = datetime.date


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.mark.django_db
class TestSpringFestival2026:
    def test_friday_before_the_holiday_is_followed_by_the_make_up_saturday(self):
        assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)

    def test_the_holiday_week_is_skipped(self):
        # 15–23 February are off; the next working day after the make-up Saturday is the 24th.
        assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)

    def test_five_days_across_the_festival(self):
        assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)

    def test_the_second_make_up_saturday_counts(self):
        assert add_working_days(D(2026, 2, 27), 1) == D(2026, 2, 28)


@pytest.mark.django_db
class TestNationalDay2026:
    def test_make_up_sunday_before_the_holiday(self):
        assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)

    def test_golden_week_is_skipped(self):
        assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)

    def test_make_up_saturday_after_the_holiday(self):
        assert add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)

    def test_fifteen_days_from_late_september(self):
        # 9-28..30 (3), 10-8, 9, 10 (3), 12–16 (5), 19–22 (4) = 15
        assert add_working_days(D(2026, 9, 25), 15) == D(2026, 10, 22)


@pytest.mark.django_db
class TestCounting:
    def test_start_day_not_counted_by_default(self):
        assert add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 24)

    def test_start_day_counted_when_set(self, settings):
        settings.RECTIFICATION_COUNT_START_DAY = True
        assert add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 23)
        assert add_working_days(D(2026, 11, 23), 5) == D(2026, 11, 27)

    def test_a_start_on_a_holiday_is_not_counted_even_when_counting(self, settings):
        settings.RECTIFICATION_COUNT_START_DAY = True
        assert add_working_days(D(2026, 10, 1), 1) == D(2026, 10, 8)

    def test_working_days_left(self):
        assert working_days_left(D(2026, 9, 30), D(2026, 10, 9)) == 2  # 8th and 9th
        assert working_days_left(D(2026, 11, 23), D(2026, 11, 23)) == 0
        assert working_days_left(D(2026, 11, 25), D(2026, 11, 23)) == -2


@pytest.mark.django_db
@pytest.mark.calendar_as_shipped
class TestUnknownYears:
    def test_a_year_nobody_knows_is_a_clear_error(self):
        with pytest.raises(UnknownCalendarYear) as caught:
            add_working_days(D(2026, 12, 28), 10)
        assert caught.value.year == 2027
        assert "2027 年的节假日安排" in str(caught.value)

    def test_the_office_enters_the_next_year(self):
        CalendarYear.objects.create(year=2027, complete=True, source="国办发明电〔2026〕X号")
        CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
        assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)

    def test_entries_without_marking_the_year_complete_are_not_enough(self):
        CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
        with pytest.raises(UnknownCalendarYear):
            add_working_days(D(2026, 12, 31), 2)

    def test_office_entries_override_the_library(self):
        CalendarDay.objects.create(date=D(2026, 11, 24), is_workday=False, name="地方假日")
        assert add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 25)
