"""The working-day calendar: holiday data, configuration, and working-day arithmetic."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from models.enums import Channel
from portal.services.calendar import (
    DEFAULT_HOLIDAYS_FILE,
    CalendarConfigError,
    WorkCalendar,
    load_holidays,
)
from portal.services.intake import ComplaintSubmission, IntakeSettings, submit_complaint
from portal.services.reference_data import ensure_categories
from portal.services.workdays import add_working_days

SHIPPED = WorkCalendar.from_config({})
WIB = timedelta(hours=7)


def wib(y: int, m: int, d: int, hour: int = 10) -> datetime:
    """An instant given in Jakarta time, as the aware UTC datetime the services take."""
    return datetime(y, m, d, hour, tzinfo=UTC) - WIB


# --- the shipped data ------------------------------------------------------------------------


def test_each_decreed_year_has_17_national_holidays_and_its_cuti_bersama():
    data = load_holidays(DEFAULT_HOLIDAYS_FILE)
    counts = Counter((h.day.year, h.kind) for h in data.holidays)
    for year, cuti in ((2024, 10), (2025, 10), (2026, 8)):
        assert counts[(year, "libur_nasional")] == 17, year
        assert counts[(year, "cuti_bersama")] == cuti, year
    assert data.complete_years == {2024, 2025, 2026}


def test_cuti_bersama_fall_on_weekdays_and_names_are_indonesian():
    data = load_holidays(DEFAULT_HOLIDAYS_FILE)
    assert all(h.day.weekday() < 5 for h in data.holidays if h.kind == "cuti_bersama")
    names = {h.day: h.name for h in data.holidays}
    assert names[date(2026, 3, 21)] == "Hari Raya Idul Fitri 1447 Hijriah"
    assert names[date(2025, 6, 6)] == "Hari Raya Idul Adha 1446 Hijriah"
    assert names[date(2024, 2, 10)] == "Tahun Baru Imlek 2575 Kongzili"


def test_2027_lists_no_guessed_lunar_holiday_and_is_marked_incomplete():
    data = load_holidays(DEFAULT_HOLIDAYS_FILE)
    names_2027 = " ".join(h.name for h in data.holidays if h.day.year == 2027)
    for lunar in ("Idul", "Imlek", "Nyepi", "Waisak", "Isra", "Muharam", "Maulid"):
        assert lunar not in names_2027
    assert date(2027, 3, 26) in SHIPPED.holidays  # Good Friday: the Easter cycle is computable
    assert not SHIPPED.covers(date(2027, 5, 3)) and SHIPPED.covers(date(2026, 5, 4))


def test_the_data_file_is_read_once():
    assert load_holidays(DEFAULT_HOLIDAYS_FILE) is load_holidays(DEFAULT_HOLIDAYS_FILE)


# --- arithmetic ------------------------------------------------------------------------------


def test_weekends_are_skipped():
    friday = date(2026, 7, 3)
    assert SHIPPED.add_working_days(friday, 1) == date(2026, 7, 6)
    assert SHIPPED.add_working_days(date(2026, 7, 4), 1) == date(2026, 7, 6)  # from a Saturday
    assert SHIPPED.add_working_days(friday, 0) == friday
    assert SHIPPED.add_working_days(date(2026, 7, 6), -1) == friday
    assert not SHIPPED.is_working_day(date(2026, 7, 4))
    assert SHIPPED.is_working_day(friday)


def test_the_day_before_idul_fitri_2026_is_due_after_the_whole_block():
    # Nyepi and Idul Fitri: 18-24 March 2026 are all off (cuti bersama, libur, weekend).
    tuesday = date(2026, 3, 17)
    assert not any(SHIPPED.is_working_day(tuesday + timedelta(days=i)) for i in range(1, 8))
    assert SHIPPED.add_working_days(tuesday, 1) == date(2026, 3, 25)
    assert SHIPPED.add_working_days(tuesday, 3) == date(2026, 3, 27)
    # Five more, across Good Friday (3 April 2026).
    assert SHIPPED.add_working_days(date(2026, 3, 27), 5) == date(2026, 4, 6)


def test_a_complaint_filed_before_idul_fitri_2026_gets_deadlines_after_the_holidays(app, session):
    ensure_categories(session)
    filed = submit_complaint(
        session,
        ComplaintSubmission(
            channel=Channel.WEB,
            category="pungli",
            title="Pungutan menjelang Lebaran",
            description="Petugas meminta uang tambahan untuk mempercepat layanan sebelum libur.",
        ),
        IntakeSettings.from_config(app.config),
        now=wib(2026, 3, 17),
        acknowledge=False,
    )
    assert filed.complaint.verification_due == date(2026, 3, 27)
    assert filed.complaint.answer_due == date(2026, 4, 6)


def test_working_days_between_counts_after_a_up_to_b():
    calendar = SHIPPED
    assert calendar.working_days_between(date(2026, 7, 6), date(2026, 7, 6)) == 0
    assert calendar.working_days_between(date(2026, 7, 3), date(2026, 7, 6)) == 1  # Fri → Mon
    assert calendar.working_days_between(date(2026, 7, 3), date(2026, 7, 5)) == 0  # weekend
    assert calendar.working_days_between(date(2026, 3, 17), date(2026, 3, 25)) == 1
    assert calendar.working_days_between(date(2026, 3, 25), date(2026, 3, 17)) == -1
    # One whole year: 261 weekdays in 2026, of which 21 are holidays or cuti bersama.
    weekday_holidays = sum(1 for h in calendar.holidays if h.year == 2026 and h.weekday() < 5)
    assert weekday_holidays == 21
    assert calendar.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261 - 21


def test_working_days_between_is_the_inverse_of_add_working_days():
    friday_saturday = WorkCalendar.from_config({"WEEKEND_DAYS": "4,5"})
    for calendar in (SHIPPED, friday_saturday):
        start = date(2025, 12, 20)
        for offset in range(0, 120, 3):
            a = start + timedelta(days=offset)
            for n in (0, 1, 3, 5, 12):
                b = calendar.add_working_days(a, n)
                assert calendar.working_days_between(a, b) == n
                brute = sum(
                    1
                    for i in range(1, (b - a).days + 1)
                    if calendar.is_working_day(a + timedelta(days=i))
                )
                assert brute == n


def test_local_date_is_decided_in_jakarta():
    evening_utc = datetime(2026, 3, 16, 20, 0, tzinfo=UTC)  # 03:00 on the 17th in Jakarta
    assert SHIPPED.local_date(evening_utc) == date(2026, 3, 17)
    papua = WorkCalendar.from_config({"BABEL_DEFAULT_TIMEZONE": "Asia/Jayapura"})
    assert papua.local_date(datetime(2026, 3, 16, 15, 30, tzinfo=UTC)) == date(2026, 3, 17)


def test_the_old_helper_still_works_and_delegates():
    assert add_working_days(date(2026, 7, 3), 1) == date(2026, 7, 6)
    assert add_working_days(date(2026, 7, 3), 1, {date(2026, 7, 6)}) == date(2026, 7, 7)


# --- configuration ---------------------------------------------------------------------------


def test_holidays_extra_and_removed_are_honoured():
    regional = date(2026, 7, 6)  # e.g. a provincial anniversary
    calendar = WorkCalendar.from_config(
        {"HOLIDAYS_EXTRA": [regional.isoformat()], "HOLIDAYS_REMOVED": ["2026-03-18"]}
    )
    assert not calendar.is_working_day(regional)
    assert calendar.add_working_days(date(2026, 7, 3), 1) == date(2026, 7, 7)
    assert calendar.is_working_day(date(2026, 3, 18))  # this office works on cuti bersama Nyepi
    assert calendar.add_working_days(date(2026, 3, 17), 1) == date(2026, 3, 18)


def test_holiday_lists_from_the_environment_are_split():
    calendar = WorkCalendar.from_config(
        {"HOLIDAYS_EXTRA": "2026-07-06, 2026-07-07", "HOLIDAYS_REMOVED": "2026-12-24"}
    )
    assert {date(2026, 7, 6), date(2026, 7, 7)} <= calendar.holidays
    assert date(2026, 12, 24) not in calendar.holidays


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"HOLIDAYS_EXTRA": ["17-08-2026"]}, "HOLIDAYS_EXTRA"),
        ({"HOLIDAYS_REMOVED": "2026-02-30"}, "HOLIDAYS_REMOVED"),
        ({"WEEKEND_DAYS": "0,1,2,3,4,5,6"}, "WEEKEND_DAYS"),
        ({"WEEKEND_DAYS": "sabtu"}, "WEEKEND_DAYS"),
        ({"BABEL_DEFAULT_TIMEZONE": "Asia/Atlantis"}, "time zone"),
        ({"HOLIDAYS_FILE": "/nonexistent/holidays.yaml"}, "holiday file"),
    ],
)
def test_a_wrong_setting_is_refused_by_name(settings, named):
    with pytest.raises(CalendarConfigError, match=named):
        WorkCalendar.from_config(settings)


def test_holidays_file_replaces_the_shipped_data(tmp_path):
    path = tmp_path / "libur.yaml"
    path.write_text(
        "years:\n"
        "  - year: 2026\n"
        "    complete: true\n"
        "    days:\n"
        "      - {date: 2026-07-06, kind: libur_nasional, name: Hari Jadi Provinsi}\n",
        encoding="utf-8",
    )
    calendar = WorkCalendar.from_config({"HOLIDAYS_FILE": str(path)})
    assert calendar.holidays == {date(2026, 7, 6)}
    assert calendar.is_working_day(date(2026, 3, 19))  # Nyepi is not in that file


@pytest.mark.parametrize(
    ("days", "problem"),
    [
        ("      - {date: 2025-07-06, kind: libur_nasional, name: X}\n", "listed under 2026"),
        ("      - {date: 2026-07-06, kind: libur, name: X}\n", "kind"),
        ("      - {date: 2026-07-06, kind: cuti_bersama}\n", "no name"),
        ("      - {date: 6 Juli 2026, kind: cuti_bersama, name: X}\n", "ISO date"),
        (
            "      - {date: 2026-07-06, kind: cuti_bersama, name: X}\n"
            "      - {date: 2026-07-06, kind: libur_nasional, name: Y}\n",
            "twice",
        ),
    ],
)
def test_malformed_holiday_data_is_refused(tmp_path, days, problem):
    path = tmp_path / "libur.yaml"
    path.write_text("years:\n  - year: 2026\n    days:\n" + days, encoding="utf-8")
    with pytest.raises(CalendarConfigError, match=problem):
        load_holidays(path)
