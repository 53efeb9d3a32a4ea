from __future__ import annotations

from datetime import UTC, datetime

from ui.schedule_preview import schedule_preview

NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # a Friday, before the US DST change


def test_daily_preview_lists_five_local_times_across_a_dst_change() -> None:
    result = schedule_preview(
        {"scheduleType": "daily", "scheduleTime": "09:00", "scheduleTimezone": "America/New_York"},
        now=NOW,
    )
    assert result["ok"] is True
    assert result["description"] == "Daily at 09:00 (America/New_York)"
    runs = result["runs"]
    assert len(runs) == 5
    assert all(", 09:00 " in run["local"] for run in runs)
    assert runs[0]["at"] == "2026-03-06T14:00:00+00:00"  # EST
    assert runs[3]["at"] == "2026-03-09T13:00:00+00:00"  # EDT after the change
    assert runs[0]["local"].endswith("EST") and runs[3]["local"].endswith("EDT")


def test_weekly_monthly_and_cron() -> None:
    weekly = schedule_preview(
        {"scheduleType": "weekly", "scheduleDayOfWeek": "1", "scheduleTime": "08:30"}, now=NOW
    )
    assert weekly["runs"][0]["local"].startswith("Mon 09 Mar 2026, 08:30")
    monthly = schedule_preview(
        {"scheduleType": "monthly", "scheduleDayOfMonth": "last_working_day"}, now=NOW
    )
    assert monthly["runs"][0]["local"].startswith("Tue 31 Mar 2026, 09:00")
    cron = schedule_preview({"scheduleType": "manual", "scheduleCron": "*/15 * * * *"}, now=NOW)
    assert cron["runs"][1]["at"] == "2026-03-06T12:15:00+00:00"


def test_manual_has_no_runs() -> None:
    result = schedule_preview({"scheduleType": "manual"}, now=NOW)
    assert result["ok"] and result["runs"] == []
    assert result["description"].startswith("Manual")


def test_errors_name_the_field() -> None:
    result = schedule_preview(
        {
            "scheduleType": "weekly",
            "scheduleTime": "25:00",
            "scheduleTimezone": "Mars/Olympus",
            "scheduleDayOfWeek": "9",
        },
        now=NOW,
    )
    assert result["ok"] is False
    assert set(result["errors"]) == {"scheduleTime", "scheduleTimezone", "scheduleDayOfWeek"}
    bad_cron = schedule_preview({"scheduleCron": "every tuesday"}, now=NOW)
    assert "scheduleCron" in bad_cron["errors"]
    assert schedule_preview({"scheduleType": "hourly"}, now=NOW)["errors"] == {
        "scheduleType": "Choose one of manual, daily, weekly, monthly."
    }
