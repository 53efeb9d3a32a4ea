"""Slot computation: every schedule type, in its own timezone, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.schedule import (
    LAST_WORKING_DAY,
    Schedule,
    ScheduleError,
    check_cron,
    describe,
    iter_slots,
    latest_slot,
    load_timezone,
    next_slot,
    parse_day_of_month,
    parse_day_of_week,
    parse_time,
    upcoming_slots,
)

NY = "America/New_York"
LONDON = "Europe/London"
BERLIN = "Europe/Berlin"
SYDNEY = "Australia/Sydney"
KOLKATA = "Asia/Kolkata"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def slots(schedule: Schedule, start: datetime, count: int) -> list[datetime]:
    return upcoming_slots(schedule, start, count)


def local(slot: datetime, tz: str) -> str:
    return slot.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


# --- daily ---------------------------------------------------------------------------------


def test_daily_nine_am_new_york_stays_nine_am_local_across_spring_forward() -> None:
    schedule = Schedule(type="daily", time="09:00", timezone=NY)
    got = slots(schedule, utc(2025, 3, 7, 15), 3)
    assert got == [utc(2025, 3, 8, 14), utc(2025, 3, 9, 13), utc(2025, 3, 10, 13)]
    assert [local(s, NY) for s in got] == [
        "2025-03-08 09:00 EST",
        "2025-03-09 09:00 EDT",
        "2025-03-10 09:00 EDT",
    ]


def test_daily_nine_am_new_york_stays_nine_am_local_across_fall_back() -> None:
    schedule = Schedule(type="daily", time="09:00", timezone=NY)
    got = slots(schedule, utc(2025, 11, 1, 0), 3)
    assert got == [utc(2025, 11, 1, 13), utc(2025, 11, 2, 14), utc(2025, 11, 3, 14)]


def test_slot_in_the_skipped_hour_runs_once_at_the_next_valid_local_time() -> None:
    schedule = Schedule(type="daily", time="02:30", timezone=NY)
    got = slots(schedule, utc(2025, 3, 8, 0), 3)
    assert [local(s, NY) for s in got] == [
        "2025-03-08 02:30 EST",
        "2025-03-09 03:00 EDT",  # 02:30 does not exist that night
        "2025-03-10 02:30 EDT",
    ]


def test_slot_in_the_repeated_hour_runs_once_at_its_first_occurrence() -> None:
    schedule = Schedule(type="daily", time="01:30", timezone=NY)
    got = slots(schedule, utc(2025, 11, 1, 12), 2)
    assert got == [utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)]
    assert local(got[0], NY) == "2025-11-02 01:30 EDT"
    # Asking from inside the second pass of 01:00-02:00 must not give 01:30 again.
    assert next_slot(schedule, utc(2025, 11, 2, 6, 10)) == utc(2025, 11, 3, 6, 30)
    assert next_slot(schedule, utc(2025, 11, 2, 5, 30)) == utc(2025, 11, 3, 6, 30)


@pytest.mark.parametrize(
    ("tz", "time", "start", "expected"),
    [
        # London springs forward at 01:00 GMT -> 02:00 BST.
        (LONDON, "01:30", utc(2025, 3, 29, 12), ["2025-03-30 02:00 BST", "2025-03-31 01:30 BST"]),
        # ... and falls back at 02:00 BST -> 01:00 GMT; 01:30 happens twice, runs once.
        (LONDON, "01:30", utc(2025, 10, 25, 12), ["2025-10-26 01:30 BST", "2025-10-27 01:30 GMT"]),
        (BERLIN, "02:15", utc(2025, 3, 29, 12), ["2025-03-30 03:00 CEST", "2025-03-31 02:15 CEST"]),
        (BERLIN, "02:15", utc(2025, 10, 25, 12), ["2025-10-26 02:15 CEST", "2025-10-27 02:15 CET"]),
        # Sydney (southern hemisphere): forward on 5 Oct 2025, back on 6 Apr 2025.
        (SYDNEY, "02:30", utc(2025, 10, 4, 0), ["2025-10-05 03:00 AEDT", "2025-10-06 02:30 AEDT"]),
        (SYDNEY, "02:30", utc(2025, 4, 5, 0), ["2025-04-06 02:30 AEDT", "2025-04-07 02:30 AEST"]),
        (SYDNEY, "09:00", utc(2025, 4, 5, 0), ["2025-04-06 09:00 AEST", "2025-04-07 09:00 AEST"]),
        (KOLKATA, "09:00", utc(2025, 3, 9, 0), ["2025-03-09 09:00 IST", "2025-03-10 09:00 IST"]),
    ],
)
def test_daily_slots_across_dst_in_several_timezones(
    tz: str, time: str, start: datetime, expected: list[str]
) -> None:
    got = slots(Schedule(type="daily", time=time, timezone=tz), start, len(expected))
    assert [local(s, tz) for s in got] == expected
    assert all(s.tzinfo is UTC for s in got)


def test_a_no_dst_timezone_has_a_constant_utc_time() -> None:
    got = slots(Schedule(type="daily", time="09:00", timezone=KOLKATA), utc(2025, 1, 1), 365)
    assert {(s.hour, s.minute) for s in got} == {(3, 30)}
    assert len({s.date() for s in got}) == 365


def test_daily_in_utc_is_plain() -> None:
    got = slots(Schedule(type="daily"), utc(2025, 6, 1, 9), 2)
    assert got == [utc(2025, 6, 1, 9), utc(2025, 6, 2, 9)]


DST_ZONES = [NY, LONDON, BERLIN, SYDNEY, "America/Santiago", "Australia/Lord_Howe", KOLKATA]


@settings(max_examples=60, deadline=None)
@given(
    tz=st.sampled_from(DST_ZONES),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45, 59]),
    year=st.integers(2020, 2030),
)
def test_daily_runs_exactly_once_per_local_date_at_the_local_time(
    tz: str, hour: int, minute: int, year: int
) -> None:
    zone = ZoneInfo(tz)
    schedule = Schedule(type="daily", time=f"{hour:02d}:{minute:02d}", timezone=tz)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    got = [s.astimezone(zone) for s in slots(schedule, start, 365)]
    dates = [s.date() for s in got]
    assert len(set(dates)) == 365
    assert dates == sorted(dates)
    for slot in got:
        wanted = slot.replace(hour=hour, minute=minute, fold=0)
        exists = wanted.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wanted.replace(
            tzinfo=None
        )
        if exists:
            assert (slot.hour, slot.minute) == (hour, minute)
            assert slot.utcoffset() == wanted.utcoffset()  # first occurrence when repeated
        else:
            # The first valid local time after the skipped one, never more than the gap later.
            assert slot.replace(tzinfo=None) > wanted.replace(tzinfo=None)
            assert slot.replace(tzinfo=None) - wanted.replace(tzinfo=None) <= timedelta(hours=1)


# --- weekly --------------------------------------------------------------------------------


def test_weekly_day_numbers_start_on_sunday() -> None:
    start = utc(2025, 6, 1)  # a Sunday
    sunday = slots(Schedule(type="weekly", day_of_week=0), start, 2)
    saturday = slots(Schedule(type="weekly", day_of_week=6), start, 1)
    assert [s.strftime("%a %d") for s in sunday] == ["Sun 01", "Sun 08"]
    assert [s.strftime("%a %d") for s in saturday] == ["Sat 07"]


def test_weekly_across_dst_keeps_the_local_time() -> None:
    schedule = Schedule(type="weekly", day_of_week=1, time="08:00", timezone=BERLIN)
    got = slots(schedule, utc(2025, 3, 20), 3)
    assert [local(s, BERLIN) for s in got] == [
        "2025-03-24 08:00 CET",
        "2025-03-31 08:00 CEST",
        "2025-04-07 08:00 CEST",
    ]


def test_weekly_sunday_in_the_skipped_hour() -> None:
    schedule = Schedule(type="weekly", day_of_week=0, time="02:30", timezone=NY)
    got = slots(schedule, utc(2025, 3, 1), 3)
    assert [local(s, NY) for s in got] == [
        "2025-03-02 02:30 EST",
        "2025-03-09 03:00 EDT",
        "2025-03-16 02:30 EDT",
    ]


def test_weekly_day_is_the_local_day_not_the_utc_day() -> None:
    # Monday 08:00 in Sydney is Sunday 21:00/22:00 UTC.
    schedule = Schedule(type="weekly", day_of_week=1, time="08:00", timezone=SYDNEY)
    got = slots(schedule, utc(2025, 9, 28), 3)
    assert [s.astimezone(ZoneInfo(SYDNEY)).strftime("%a %H:%M") for s in got] == ["Mon 08:00"] * 3
    assert [s.strftime("%a %H:%M") for s in got] == ["Sun 22:00", "Sun 21:00", "Sun 21:00"]


# --- monthly -------------------------------------------------------------------------------


def test_monthly_on_a_day_number() -> None:
    schedule = Schedule(type="monthly", day_of_month="28", time="23:45", timezone=NY)
    got = slots(schedule, utc(2025, 1, 1), 3)
    assert [local(s, NY) for s in got] == [
        "2025-01-28 23:45 EST",
        "2025-02-28 23:45 EST",
        "2025-03-28 23:45 EDT",
    ]


def test_monthly_across_the_southern_dst_end() -> None:
    schedule = Schedule(type="monthly", day_of_month="6", time="02:30", timezone=SYDNEY)
    got = slots(schedule, utc(2025, 3, 1), 2)
    assert [local(s, SYDNEY) for s in got] == ["2025-03-06 02:30 AEDT", "2025-04-06 02:30 AEDT"]


@pytest.mark.parametrize(
    ("year", "month", "expected_day"),
    [
        (2025, 5, "2025-05-30 Fri"),  # ends on Saturday 31
        (2025, 8, "2025-08-29 Fri"),  # ends on Sunday 31
        (2025, 11, "2025-11-28 Fri"),  # ends on Sunday 30
        (2025, 6, "2025-06-30 Mon"),  # ends on a Monday
        (2026, 2, "2026-02-27 Fri"),  # February ending on Saturday 28
        (2024, 2, "2024-02-29 Thu"),  # leap year
        (2025, 12, "2025-12-31 Wed"),
    ],
)
def test_last_working_day_is_the_last_weekday_of_the_month(
    year: int, month: int, expected_day: str
) -> None:
    schedule = Schedule(type="monthly", day_of_month=LAST_WORKING_DAY, time="09:00", timezone=NY)
    got = next_slot(schedule, datetime(year, month, 1, tzinfo=ZoneInfo(NY)))
    assert got is not None
    assert got.astimezone(ZoneInfo(NY)).strftime("%Y-%m-%d %a") == expected_day


def test_last_working_day_is_evaluated_in_the_campaigns_timezone() -> None:
    # Friday 28 Feb 2025, 09:00 in Sydney is Thursday 27 Feb 22:00 UTC.
    schedule = Schedule(
        type="monthly", day_of_month=LAST_WORKING_DAY, time="09:00", timezone=SYDNEY
    )
    got = next_slot(schedule, utc(2025, 2, 1))
    assert got == utc(2025, 2, 27, 22)
    # Saturday 31 May 2025 is not a working day; Friday the 30th, 09:00 AEST, is.
    assert next_slot(schedule, utc(2025, 5, 1)) == utc(2025, 5, 29, 23)


def test_last_working_day_across_a_year_never_falls_on_a_weekend() -> None:
    schedule = Schedule(type="monthly", day_of_month=LAST_WORKING_DAY, timezone=BERLIN)
    got = slots(schedule, utc(2025, 1, 1), 24)
    zone = ZoneInfo(BERLIN)
    for slot in got:
        day = slot.astimezone(zone).date()
        assert day.weekday() < 5
        following = day + timedelta(days=1)
        while following.month == day.month:
            assert following.weekday() >= 5  # only weekend days left in the month
            following += timedelta(days=1)
    assert len({(s.year, s.month) for s in got}) == 24


# --- cron ----------------------------------------------------------------------------------


def test_cron_is_evaluated_in_the_campaigns_timezone() -> None:
    schedule = Schedule(cron="0 9 * * 1", timezone=NY)
    got = slots(schedule, utc(2025, 3, 1), 3)
    assert [local(s, NY) for s in got] == [
        "2025-03-03 09:00 EST",
        "2025-03-10 09:00 EDT",
        "2025-03-17 09:00 EDT",
    ]
    midnight_first = next_slot(Schedule(cron="0 0 1 * *", timezone=KOLKATA), utc(2025, 1, 1))
    assert midnight_first == utc(2025, 1, 31, 18, 30)


def test_cron_wins_over_the_schedule_type_and_makes_manual_recurring() -> None:
    cron_only = Schedule(cron="15 6 * * *", timezone=LONDON)
    assert cron_only.is_recurring
    assert next_slot(cron_only, utc(2025, 7, 1)) == utc(2025, 7, 1, 5, 15)
    weekly_with_cron = Schedule(type="weekly", day_of_week=3, cron="15 6 * * *")
    assert next_slot(weekly_with_cron, utc(2025, 7, 1)) == utc(2025, 7, 1, 6, 15)


def test_cron_at_a_fixed_time_follows_the_wall_clock_rules() -> None:
    schedule = Schedule(cron="30 2 * * *", timezone=NY)
    got = slots(schedule, utc(2025, 3, 8, 12), 2)
    assert [local(s, NY) for s in got] == ["2025-03-09 03:00 EDT", "2025-03-10 02:30 EDT"]
    repeated = Schedule(cron="30 1 * * *", timezone=NY)
    assert len(slots(repeated, utc(2025, 11, 2, 4), 2)) == 2
    assert slots(repeated, utc(2025, 11, 2, 4), 1) == [utc(2025, 11, 2, 5, 30)]


def test_hourly_cron_counts_real_hours_across_dst() -> None:
    schedule = Schedule(cron="0 * * * *", timezone=NY)
    zone = ZoneInfo(NY)

    def count_on(day: date) -> int:
        start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
        return sum(1 for s in slots(schedule, start, 30) if s < end)

    assert count_on(date(2025, 3, 9)) == 23
    assert count_on(date(2025, 11, 2)) == 25
    assert count_on(date(2025, 11, 3)) == 24


def test_cron_step_and_lists() -> None:
    got = slots(Schedule(cron="*/20 8-9 * * 1-5", timezone=BERLIN), utc(2025, 6, 2), 7)
    assert [local(s, BERLIN)[11:16] for s in got] == [
        "08:00", "08:20", "08:40", "09:00", "09:20", "09:40", "08:00",
    ]  # fmt: skip


# --- boundaries and manual -----------------------------------------------------------------


def test_manual_schedules_have_no_slots() -> None:
    manual = Schedule()
    assert not manual.is_recurring
    assert next_slot(manual, utc(2025, 1, 1)) is None
    assert upcoming_slots(manual, utc(2025, 1, 1), 5) == []
    assert latest_slot(manual, not_before=utc(2025, 1, 1), not_after=utc(2025, 2, 1)) is None


def test_upcoming_includes_the_start_instant_and_next_excludes_it() -> None:
    schedule = Schedule(type="daily", time="09:00")
    assert upcoming_slots(schedule, utc(2025, 1, 1, 9), 1) == [utc(2025, 1, 1, 9)]
    assert next_slot(schedule, utc(2025, 1, 1, 9)) == utc(2025, 1, 2, 9)
    assert next_slot(schedule, utc(2025, 1, 1, 8, 59, 59, 999999)) == utc(2025, 1, 1, 9)
    assert upcoming_slots(schedule, utc(2025, 1, 1, 9, 0, 0, 1), 1) == [utc(2025, 1, 2, 9)]


def test_start_in_another_offset_is_the_same_instant() -> None:
    schedule = Schedule(type="daily", time="09:00", timezone=NY)
    tokyo = datetime(2025, 3, 9, 22, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 13:00Z
    assert upcoming_slots(schedule, tokyo, 1) == [utc(2025, 3, 9, 13)]


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        list(iter_slots(Schedule(type="daily"), datetime(2025, 1, 1)))


def test_latest_slot_picks_only_the_most_recent_missed_one() -> None:
    schedule = Schedule(type="daily", time="09:00", timezone=NY)
    got = latest_slot(schedule, not_before=utc(2025, 3, 1, 14), not_after=utc(2025, 3, 12, 12))
    assert got == utc(2025, 3, 11, 13)
    assert latest_slot(schedule, not_before=utc(2025, 3, 11, 13), not_after=utc(2025, 3, 11, 13))
    assert (
        latest_slot(schedule, not_before=utc(2025, 3, 11, 14), not_after=utc(2025, 3, 12, 12))
        is None
    )
    assert latest_slot(schedule, not_before=utc(2025, 3, 12), not_after=utc(2025, 3, 11)) is None


def test_latest_slot_after_a_long_outage_of_a_frequent_cron_is_quick() -> None:
    every_minute = Schedule(cron="* * * * *", timezone=SYDNEY)
    got = latest_slot(every_minute, not_before=utc(2020, 1, 1), not_after=utc(2025, 6, 1, 7, 3, 30))
    assert got == utc(2025, 6, 1, 7, 3)
    yearly = Schedule(cron="0 6 1 1 *", timezone=NY)
    assert latest_slot(yearly, not_before=utc(2019, 1, 1), not_after=utc(2025, 6, 1)) == utc(
        2025, 1, 1, 11
    )


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["25:00", "24:00", "9:00", "09:60", "0900", "", "09:00:00", "ab"])
def test_bad_times_are_refused(value: str) -> None:
    with pytest.raises(ScheduleError):
        parse_time(value)


def test_good_times() -> None:
    assert parse_time("00:00") == (0, 0)
    assert parse_time("23:59") == (23, 59)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "localtime", "../etc/passwd", "utc ", None])
def test_unknown_timezones_are_refused(name: str) -> None:
    with pytest.raises(ScheduleError):
        load_timezone(name)


@pytest.mark.parametrize("value", [29, 31, 0, "0", "29", "abc", True, 1.5, None, "-1", "\u0661"])
def test_bad_days_of_month_are_refused(value: object) -> None:
    with pytest.raises(ScheduleError):
        parse_day_of_month(value)


def test_good_days_of_month() -> None:
    assert parse_day_of_month(1) == "1"
    assert parse_day_of_month("28") == "28"
    assert parse_day_of_month("07") == "7"
    assert parse_day_of_month(LAST_WORKING_DAY) == LAST_WORKING_DAY


@pytest.mark.parametrize("value", [7, -1, True, "1", None])
def test_bad_days_of_week_are_refused(value: object) -> None:
    with pytest.raises(ScheduleError):
        parse_day_of_week(value)


@pytest.mark.parametrize(
    "expression",
    ["61 * * * *", "* * *", "0 9 * * 1 2024", "0 0 30 2 *", "", "   ", "0 9 * * MON-", "x" * 200],
)
def test_bad_cron_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError):
        check_cron(expression)


def test_cron_is_normalised() -> None:
    assert check_cron("  0   9 * *  1 ") == "0 9 * * 1"
    assert check_cron("0 9 LW * *") == "0 9 LW * *"


def test_weekly_without_a_day_cannot_produce_slots() -> None:
    with pytest.raises(ScheduleError):
        next_slot(Schedule(type="weekly"), utc(2025, 1, 1))


def test_descriptions() -> None:
    assert describe(Schedule()) == "Manual"
    assert describe(Schedule(type="daily", timezone=NY)) == "Daily at 09:00 (America/New_York)"
    assert describe(Schedule(type="weekly", day_of_week=1)) == "Weekly on Monday at 09:00 (UTC)"
    assert (
        describe(Schedule(type="monthly", day_of_month=LAST_WORKING_DAY, time="18:30"))
        == "Monthly on the last working day at 18:30 (UTC)"
    )
    assert describe(Schedule(type="monthly", day_of_month="5")) == "Monthly on day 5 at 09:00 (UTC)"
    assert describe(Schedule(cron="0 9 * * 1")) == "Cron '0 9 * * 1' (UTC)"
