"""The next run times of a schedule as the New Campaign form has it (field by field, as typed),
computed by ``campaigns.schedule`` so the preview and the scheduler can never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from campaigns import schedule as sched

PREVIEW_COUNT = 5


def _schedule_from(params: Mapping[str, Any]) -> tuple[sched.Schedule | None, dict[str, str]]:
    errors: dict[str, str] = {}
    kind = str(params.get("scheduleType") or sched.MANUAL)
    if kind not in sched.SCHEDULE_TYPES:
        errors["scheduleType"] = f"Choose one of {', '.join(sched.SCHEDULE_TYPES)}."
    time_text = str(params.get("scheduleTime") or "09:00")
    tz_name = str(params.get("scheduleTimezone") or "UTC")
    cron = str(params.get("scheduleCron") or "").strip() or None
    day_of_week: int | None = None
    day_of_month: str | None = None
    try:
        sched.parse_time(time_text)
    except sched.ScheduleError as exc:
        errors["scheduleTime"] = str(exc)
    try:
        sched.load_timezone(tz_name)
    except sched.ScheduleError as exc:
        errors["scheduleTimezone"] = str(exc)
    if kind == sched.WEEKLY and not cron:
        raw = str(params.get("scheduleDayOfWeek") or "")
        try:
            day_of_week = sched.parse_day_of_week(int(raw) if raw.isdigit() else raw)
        except sched.ScheduleError as exc:
            errors["scheduleDayOfWeek"] = str(exc)
    if kind == sched.MONTHLY and not cron:
        try:
            day_of_month = sched.parse_day_of_month(str(params.get("scheduleDayOfMonth") or ""))
        except sched.ScheduleError as exc:
            errors["scheduleDayOfMonth"] = str(exc)
    if cron:
        try:
            cron = sched.check_cron(cron)
        except sched.ScheduleError as exc:
            errors["scheduleCron"] = str(exc)
    if errors:
        return None, errors
    return (
        sched.Schedule(
            type=kind,
            time=time_text,
            timezone=tz_name,
            day_of_week=day_of_week,
            day_of_month=day_of_month,
            cron=cron,
        ),
        {},
    )


def _local_label(slot: datetime, schedule: sched.Schedule) -> str:
    local = sched.local_time(slot, schedule)
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()}"


def schedule_preview(
    params: Mapping[str, Any], *, now: datetime, count: int = PREVIEW_COUNT
) -> dict[str, Any]:
    """``{"ok", "description", "timezone", "runs": [{"at", "local"}], "errors": {field: msg}}``."""
    schedule, errors = _schedule_from(params)
    if schedule is None:
        return {"ok": False, "description": "", "timezone": "", "runs": [], "errors": errors}
    try:
        slots = sched.upcoming_slots(schedule, now, count)
    except sched.ScheduleError as exc:
        return {
            "ok": False,
            "description": "",
            "timezone": "",
            "runs": [],
            "errors": {"schedule": str(exc)},
        }
    description = sched.describe(schedule)
    if not schedule.is_recurring:
        description = "Manual: runs only when someone presses Run Now (or calls the API)."
    return {
        "ok": True,
        "description": description,
        "timezone": schedule.timezone,
        "runs": [{"at": slot.isoformat(), "local": _local_label(slot, schedule)} for slot in slots],
        "errors": {},
    }
