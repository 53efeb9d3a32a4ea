"""When a campaign runs: pure functions over a :class:`Schedule` (no ORM, no clock).

Every schedule is evaluated in its own IANA timezone and every slot is returned in UTC.
The built-in types are cron expressions in disguise (daily ``M H * * *``, weekly
``M H * * D``, monthly ``M H D * *`` or ``M H LW * *``), all evaluated by ``cronsim`` on the
local wall clock, which gives the DST rules we promise:

- 09:00 in America/New_York is 09:00 local on both sides of a clock change;
- a slot inside a skipped hour (spring forward) runs once, at the first valid local time
  after it (02:30 on a 02:00->03:00 day runs at 03:00);
- a slot inside a repeated hour (fall back) runs once, at its first occurrence.

A custom ``scheduleCron`` with a fixed minute and hour follows the same rules. One whose
minute or hour is a wildcard or step (``*/15 * * * *``, ``0 * * * *``) counts real elapsed
time instead, like Debian cron: an hourly job runs 23 times on a spring-forward day and 25
times on a fall-back day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cronsim import CronSim, CronSimError

MANUAL, DAILY, WEEKLY, MONTHLY = "manual", "daily", "weekly", "monthly"
SCHEDULE_TYPES = (MANUAL, DAILY, WEEKLY, MONTHLY)
LAST_WORKING_DAY = "last_working_day"
DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MAX_CRON_LENGTH = 120
_NOT_IANA = frozenset({"localtime", "posixrules", "Factory", "posix", "right"})

_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Windows tried, smallest first, when looking back for the latest missed slot.
_LOOKBACK = (timedelta(hours=1), timedelta(days=2), timedelta(days=35), timedelta(days=400))


class ScheduleError(ValueError):
    """A schedule value that cannot be used; the message says why."""


@dataclass(frozen=True)
class Schedule:
    type: str = MANUAL
    time: str = "09:00"
    timezone: str = "UTC"
    day_of_week: int | None = None
    day_of_month: str | None = None
    cron: str | None = None

    @property
    def is_recurring(self) -> bool:
        """False for a manual campaign without a cron: it only runs when someone asks."""
        return bool(self.cron) or self.type != MANUAL

    @property
    def tz(self) -> ZoneInfo:
        return load_timezone(self.timezone)

    def cron_expression(self) -> str | None:
        """The 5-field cron expression this schedule fires on (None for manual).

        ``scheduleCron``, when set, wins over the built-in types (the spec: "used when
        scheduleType does not cover the desired frequency")."""
        if self.cron:
            return self.cron.strip()
        if self.type == MANUAL:
            return None
        hour, minute = parse_time(self.time)
        if self.type == DAILY:
            return f"{minute} {hour} * * *"
        if self.type == WEEKLY:
            if self.day_of_week is None:
                raise ScheduleError("A weekly schedule needs a day of the week.")
            return f"{minute} {hour} * * {parse_day_of_week(self.day_of_week)}"
        if self.type == MONTHLY:
            day = parse_day_of_month(self.day_of_month)
            return f"{minute} {hour} {'LW' if day == LAST_WORKING_DAY else day} * *"
        raise ScheduleError(f"Unknown schedule type '{self.type}'.")


# --- parsing single values -----------------------------------------------------------------


def parse_time(value: str) -> tuple[int, int]:
    """``"HH:mm"`` (24-hour, two digits each) -> (hour, minute)."""
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise ScheduleError(f"'{value}' is not a time in HH:mm format (00:00-23:59).")
    return int(match.group(1)), int(match.group(2))


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    """IANA zone names, without the host-specific aliases some systems ship."""
    return frozenset((available_timezones() | {"UTC"}) - _NOT_IANA)


@lru_cache(maxsize=512)
def load_timezone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or name not in timezone_names():
        raise ScheduleError(f"'{name}' is not a known IANA timezone (e.g. America/New_York).")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # pragma: no cover - tzdata vanished
        raise ScheduleError(f"'{name}' is not a known IANA timezone.") from None


def parse_day_of_week(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise ScheduleError(f"'{value}' is not a day of the week (0=Sunday .. 6=Saturday).")
    return value


def parse_day_of_month(value: object) -> str:
    """``1``..``28`` (int or digit string) or ``last_working_day`` -> its canonical string."""
    if value == LAST_WORKING_DAY:
        return LAST_WORKING_DAY
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isdigit() and value.isascii():
        number = int(value)
    else:
        raise ScheduleError(f"'{value}' is not a day of the month (1-28 or last_working_day).")
    if not 1 <= number <= 28:
        raise ScheduleError(
            f"Day of month must be 1-28 or last_working_day, got {number} "
            "(29-31 do not exist in every month)."
        )
    return str(number)


def check_cron(expression: str) -> str:
    """A standard 5-field cron expression that fires at least once; returns it stripped."""
    if not isinstance(expression, str) or not expression.strip():
        raise ScheduleError("A cron expression cannot be empty.")
    expression = " ".join(expression.split())
    if len(expression) > MAX_CRON_LENGTH:
        raise ScheduleError(f"A cron expression is at most {MAX_CRON_LENGTH} characters.")
    if len(expression.split(" ")) != 5:
        raise ScheduleError(
            f"'{expression}' must have 5 fields: minute hour day-of-month month day-of-week."
        )
    try:
        iterator = CronSim(expression, datetime(2000, 1, 1, tzinfo=UTC))
        next(iterator)
    except CronSimError as exc:
        raise ScheduleError(f"'{expression}' is not a valid cron expression: {exc}.") from None
    except StopIteration:
        raise ScheduleError(f"'{expression}' never fires.") from None
    return expression


# --- slots ---------------------------------------------------------------------------------


def iter_slots(
    schedule: Schedule, start: datetime, *, inclusive: bool = False
) -> Iterator[datetime]:
    """Slots after ``start`` (or at it, when ``inclusive``), strictly increasing, in UTC."""
    expression = schedule.cron_expression()
    if expression is None:
        return
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    tz = schedule.tz
    # cronsim works in whole seconds and yields strictly after its starting point.
    begin = start - timedelta(seconds=1) if inclusive else start
    last: datetime | None = None
    try:
        for local in CronSim(expression, begin.astimezone(tz)):
            slot = local.astimezone(UTC)
            # On a fall-back day the local wall clock passes ``start`` twice; a first-occurrence
            # slot can then lie before ``start``. Skipped-hour fix-ups can repeat a slot.
            if slot < start or (slot == start and not inclusive) or (last and slot <= last):
                continue
            last = slot
            yield slot
    except (StopIteration, OverflowError):  # no match in 50 years, or past year 9999
        return


def next_slot(schedule: Schedule, after: datetime) -> datetime | None:
    """The first slot strictly after ``after``, or None (manual / never again)."""
    return next(iter_slots(schedule, after), None)


def upcoming_slots(schedule: Schedule, start: datetime, count: int) -> list[datetime]:
    """The next ``count`` slots at or after ``start``."""
    slots: list[datetime] = []
    for slot in iter_slots(schedule, start, inclusive=True):
        slots.append(slot)
        if len(slots) >= count:
            break
    return slots


def latest_slot(
    schedule: Schedule, *, not_before: datetime, not_after: datetime
) -> datetime | None:
    """The latest slot in ``[not_before, not_after]`` (the one to run after an outage)."""
    if not_after < not_before:
        return None
    for window in (*_LOOKBACK, None):
        begin = not_before if window is None else max(not_before, not_after - window)
        found = None
        for slot in iter_slots(schedule, begin, inclusive=True):
            if slot > not_after:
                break
            found = slot
        if found is not None or begin == not_before:
            return found
    return None  # pragma: no cover - the last window always starts at not_before


def local_time(slot: datetime, schedule: Schedule) -> datetime:
    return slot.astimezone(schedule.tz)


def describe(schedule: Schedule) -> str:
    """A short human description, e.g. "Weekly on Monday at 09:00 (Europe/Berlin)"."""
    where = f"({schedule.timezone})"
    if schedule.cron:
        return f"Cron '{schedule.cron}' {where}"
    if schedule.type == DAILY:
        return f"Daily at {schedule.time} {where}"
    if schedule.type == WEEKLY:
        day = (
            DAY_NAMES[schedule.day_of_week]
            if schedule.day_of_week is not None and 0 <= schedule.day_of_week <= 6
            else "?"
        )
        return f"Weekly on {day} at {schedule.time} {where}"
    if schedule.type == MONTHLY:
        day = (
            "the last working day"
            if schedule.day_of_month == LAST_WORKING_DAY
            else f"day {schedule.day_of_month}"
        )
        return f"Monthly on {day} at {schedule.time} {where}"
    return "Manual"
