"""Working days by the State Council calendar, with the office's own entries for other years."""

import datetime

import pytest

from rectification import calendar
from rectification.calendar import add_working_days, working_days_left
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


@pytest.fixture
def library_stops_at_2026(monkeypatch):
    """The calendar library as it ships now: it knows no year after 2026 (so that a newer release
    that ships 2027 changes nothing here)."""
    shipped = calendar._library_is_workday
    monkeypatch.setattr(calendar, "_library_is_workday", lambda day: None if day.year > 2026 else shipped(day))


@pytest.mark.django_db
@pytest.mark.calendar_as_shipped
@pytest.mark.usefixtures("library_stops_at_2026")
class TestYearsNotYetAnnounced:
    def test_the_statutory_holidays_of_2027(self):
        assert calendar.statutory_holidays(2027) == {
            D(2027, 1, 1): "元旦",
            **{D(2027, 2, day): "春节" for day in (5, 6, 7, 8)},  # 除夕 is 5 February
            D(2027, 4, 5): "清明节",
            D(2027, 5, 1): "劳动节", D(2027, 5, 2): "劳动节",
            D(2027, 6, 9): "端午节", D(2027, 9, 15): "中秋节",
            **{D(2027, 10, day): "国庆节" for day in (1, 2, 3)},
        }

    def test_the_rule_agrees_with_the_announced_years_since_the_2024_amendment(self):
        import chinese_calendar

        for year in (2025, 2026):
            for day, name in calendar.statutory_holidays(year).items():
                assert chinese_calendar.is_holiday(day), (day, name)

    def test_a_count_into_an_unannounced_year_is_provisional_and_skips_its_holidays(self):
        counted = add_working_days(D(2026, 12, 10), 20)
        # 11–31 December: 15 working days; 1 January is 元旦; 4–8 January make 20.
        assert counted == D(2027, 1, 8) and counted.provisional
        assert not calendar.year_announced(2027) and calendar.is_provisional(D(2027, 3, 1))

    def test_a_count_that_stays_in_an_announced_year_is_exact(self):
        counted = add_working_days(D(2026, 12, 2), 20)
        assert counted == D(2026, 12, 30) and not counted.provisional

    def test_spring_festival_2027_is_skipped_provisionally(self):
        assert add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 9)  # 5–8 February off

    def test_the_office_enters_the_next_year(self):
        CalendarYear.objects.create(year=2027, complete=True, source="国办发明电〔2026〕X号")
        CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
        counted = add_working_days(D(2026, 12, 31), 1)
        assert counted == D(2027, 1, 4) and not counted.provisional

    def test_entries_without_marking_the_year_complete_keep_it_provisional(self):
        CalendarDay.objects.create(date=D(2027, 1, 4), is_workday=False, name="地方假日")
        counted = add_working_days(D(2026, 12, 31), 1)
        assert counted == D(2027, 1, 5) and counted.provisional  # the entry counts, the year stays 预估

    def test_office_entries_override_the_library(self):
        CalendarDay.objects.create(date=D(2026, 11, 24), is_workday=False, name="地方假日")
        assert add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 25)
