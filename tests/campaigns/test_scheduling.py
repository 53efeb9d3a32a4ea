"""The scheduler tick: each slot fires exactly once, in the campaign's timezone, DST-correct;
missed slots after downtime, concurrent ticks, retries and out-of-band changes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection

from campaigns import scheduling
from campaigns.models import Campaign, CampaignSlot, ScheduleState
from campaigns.scheduling import register_run_factory, run_factory, schedule_tick
from campaigns.services import campaign_delete, campaign_pause, campaign_resume, campaign_update
from core.models import Tenant
from core.services import entity_restore, tenant_create
from tests.campaigns.factories import make_campaign

pytestmark = pytest.mark.django_db


@dataclass
class FakeRun:
    pk: str


@dataclass
class RecordingFactory:
    """Stands in for the runs app: records each request and hands back a run id."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, *, campaign: Campaign, trigger: str, requested_by: str = "", slot_at: Any = None
    ) -> FakeRun:
        with self.lock:
            self.calls.append({"campaign": campaign.pk, "trigger": trigger, "slot_at": slot_at})
            return FakeRun(pk=f"run_{len(self.calls)}")

    def slots(self, campaign: Campaign | None = None) -> list[datetime]:
        return [
            c["slot_at"] for c in self.calls if campaign is None or c["campaign"] == campaign.pk
        ]


@pytest.fixture
def tenant(db: Any) -> Tenant:
    return tenant_create(name="Scheduler tenant", slug="scheduler")


@pytest.fixture(autouse=True)
def _keep_the_registered_factory() -> Any:
    """Tests swap the run factory; put back whatever the runs app registered."""
    previous = run_factory()
    yield
    register_run_factory(previous)


@pytest.fixture
def runs() -> RecordingFactory:
    factory = RecordingFactory()
    register_run_factory(factory)
    return factory


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def tick_at(when: datetime) -> scheduling.TickReport:
    with time_machine.travel(when, tick=False):
        return schedule_tick()


def tick_every(start: datetime, end: datetime, step: timedelta) -> None:
    when = start
    while when <= end:
        tick_at(when)
        when += step


def daily(tenant: Tenant, *, at: str, tz: str, created: datetime, **extra: Any) -> Campaign:
    with time_machine.travel(created, tick=False):
        return make_campaign(
            tenant,
            status="active",
            schedule_type="daily",
            schedule_time=at,
            schedule_timezone=tz,
            **extra,
        )


# --- basics ----------------------------------------------------------------------------------


def test_a_due_slot_fires_once_and_the_next_one_is_scheduled(
    tenant: Tenant, runs: RecordingFactory
) -> None:
    campaign = daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))
    assert ScheduleState.objects.get(campaign=campaign).next_run_at == utc(2025, 6, 1, 9)
    assert tick_at(utc(2025, 6, 1, 8, 59, 59)).fired == []
    report = tick_at(utc(2025, 6, 1, 9, 0, 2))
    assert report.fired == [(campaign.pk, "2025-06-01T09:00:00+00:00", "run_1")]
    assert runs.calls == [
        {"campaign": campaign.pk, "trigger": "schedule", "slot_at": utc(2025, 6, 1, 9)}
    ]
    assert tick_at(utc(2025, 6, 1, 9, 1)).fired == []
    state = ScheduleState.objects.get(campaign=campaign)
    assert state.last_scheduled_slot == utc(2025, 6, 1, 9)
    assert state.next_run_at == utc(2025, 6, 2, 9)
    slot = CampaignSlot.objects.get(campaign=campaign)
    assert (slot.slot_at, slot.run_id, slot.missed_since, slot.tenant_id) == (
        utc(2025, 6, 1, 9),
        "run_1",
        None,
        tenant.pk,
    )
    campaign.refresh_from_db()
    assert campaign.version == 1  # firing is not a configuration change


@pytest.mark.parametrize("status", ["draft", "paused", "archived"])
def test_inactive_campaigns_never_fire(tenant: Tenant, runs: RecordingFactory, status: str) -> None:
    with time_machine.travel(utc(2025, 6, 1, 8), tick=False):
        make_campaign(tenant, status=status, schedule_type="daily", schedule_time="09:00")
    tick_every(utc(2025, 6, 1, 8, 30), utc(2025, 6, 3, 10), timedelta(hours=1))
    assert runs.calls == []


def test_deleted_campaigns_never_fire(tenant: Tenant, runs: RecordingFactory) -> None:
    campaign = daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))
    campaign_delete(campaign=campaign)
    tick_every(utc(2025, 6, 1, 8, 30), utc(2025, 6, 3, 10), timedelta(hours=1))
    assert runs.calls == []


def test_manual_campaigns_never_fire_unless_they_have_a_cron(
    tenant: Tenant, runs: RecordingFactory
) -> None:
    with time_machine.travel(utc(2025, 6, 2, 0), tick=False):  # a Monday
        make_campaign(tenant, status="active")
        cron = make_campaign(
            tenant, status="active", schedule_cron="30 6 * * 1-5", schedule_timezone="Europe/Berlin"
        )
    tick_every(utc(2025, 6, 2, 0), utc(2025, 6, 9, 0), timedelta(minutes=30))
    assert runs.slots() == [utc(2025, 6, d, 4, 30) for d in (2, 3, 4, 5, 6)]
    assert all(c["campaign"] == cron.pk for c in runs.calls)


def test_pausing_skips_slots_and_resuming_starts_from_now(
    tenant: Tenant, runs: RecordingFactory
) -> None:
    campaign = daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))
    with time_machine.travel(utc(2025, 6, 1, 8, 30), tick=False):
        campaign_pause(campaign=campaign)
    tick_every(utc(2025, 6, 1, 8, 45), utc(2025, 6, 3, 8), timedelta(hours=1))
    assert runs.calls == []
    with time_machine.travel(utc(2025, 6, 3, 8), tick=False):
        campaign_resume(campaign=Campaign.objects.get(pk=campaign.pk))
    tick_at(utc(2025, 6, 3, 9, 0, 1))
    assert runs.slots() == [utc(2025, 6, 3, 9)]


def test_a_schedule_change_takes_effect_at_once(tenant: Tenant, runs: RecordingFactory) -> None:
    campaign = daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))
    with time_machine.travel(utc(2025, 6, 1, 8, 10), tick=False):
        campaign_update(campaign=campaign, data={"schedule_time": "08:30"})
    tick_every(utc(2025, 6, 1, 8, 20), utc(2025, 6, 1, 9, 30), timedelta(minutes=5))
    assert runs.slots() == [utc(2025, 6, 1, 8, 30)]


def test_a_change_that_leaves_the_schedule_alone_keeps_a_pending_slot(
    tenant: Tenant, runs: RecordingFactory
) -> None:
    campaign = daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))
    with time_machine.travel(utc(2025, 6, 1, 9, 0, 20), tick=False):  # due, not yet fired
        campaign_update(campaign=campaign, data={"description": "edited at 09:00:20"})
    tick_at(utc(2025, 6, 1, 9, 1))
    assert runs.slots() == [utc(2025, 6, 1, 9)]


# --- missed slots ------------------------------------------------------------------------------


def test_after_downtime_only_the_latest_missed_slot_runs(
    tenant: Tenant, runs: RecordingFactory
) -> None:
    campaign = daily(tenant, at="09:00", tz="Europe/Berlin", created=utc(2025, 6, 1, 6))
    # Down from before the 1 June slot until 4 June 12:00 UTC: 1, 2, 3 and 4 June were missed.
    report = tick_at(utc(2025, 6, 4, 12))
    assert len(report.fired) == 1
    assert runs.slots() == [utc(2025, 6, 4, 7)]
    slot = CampaignSlot.objects.get(campaign=campaign)
    assert slot.missed_since == utc(2025, 6, 1, 7)
    assert ScheduleState.objects.get(campaign=campaign).next_run_at == utc(2025, 6, 5, 7)
    tick_at(utc(2025, 6, 5, 7, 0, 30))
    assert runs.slots() == [utc(2025, 6, 4, 7), utc(2025, 6, 5, 7)]


def test_recovery_of_a_frequent_cron_after_a_long_outage(
    tenant: Tenant, runs: RecordingFactory
) -> None:
    with time_machine.travel(utc(2025, 1, 1), tick=False):
        make_campaign(tenant, status="active", schedule_cron="*/5 * * * *")
    tick_at(utc(2025, 7, 1, 12, 7, 30))
    assert runs.slots() == [utc(2025, 7, 1, 12, 5)]


# --- DST ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "at", "start", "expected"),
    [
        # New York: 09:00 local on both sides of the spring-forward change.
        ("America/New_York", "09:00", utc(2025, 3, 8, 0), [utc(2025, 3, 8, 14), utc(2025, 3, 9, 13), utc(2025, 3, 10, 13)]),
        # ... and of the fall-back change.
        ("America/New_York", "09:00", utc(2025, 11, 1, 0), [utc(2025, 11, 1, 13), utc(2025, 11, 2, 14), utc(2025, 11, 3, 14)]),
        # Skipped hour: 02:30 does not exist on 9 March, it runs once at 03:00 EDT.
        ("America/New_York", "02:30", utc(2025, 3, 8, 0), [utc(2025, 3, 8, 7, 30), utc(2025, 3, 9, 7), utc(2025, 3, 10, 6, 30)]),
        # Repeated hour: 01:30 happens twice on 2 November, it runs once (EDT).
        ("America/New_York", "01:30", utc(2025, 11, 1, 0), [utc(2025, 11, 1, 5, 30), utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)]),
        ("Europe/London", "01:30", utc(2025, 3, 29, 0), [utc(2025, 3, 29, 1, 30), utc(2025, 3, 30, 1), utc(2025, 3, 31, 0, 30)]),
        ("Europe/Berlin", "02:30", utc(2025, 10, 25, 0), [utc(2025, 10, 25, 0, 30), utc(2025, 10, 26, 0, 30), utc(2025, 10, 27, 1, 30)]),
        ("Australia/Sydney", "02:30", utc(2025, 10, 3, 12), [utc(2025, 10, 3, 16, 30), utc(2025, 10, 4, 16), utc(2025, 10, 5, 15, 30)]),
        ("Australia/Sydney", "02:30", utc(2025, 4, 4, 12), [utc(2025, 4, 4, 15, 30), utc(2025, 4, 5, 15, 30), utc(2025, 4, 6, 16, 30)]),
        ("Asia/Kolkata", "09:00", utc(2025, 3, 8, 0), [utc(2025, 3, 8, 3, 30), utc(2025, 3, 9, 3, 30), utc(2025, 3, 10, 3, 30)]),
    ],
)  # fmt: skip
def test_ticking_every_ten_minutes_across_dst_fires_each_local_day_once(
    tenant: Tenant,
    runs: RecordingFactory,
    tz: str,
    at: str,
    start: datetime,
    expected: list[datetime],
) -> None:
    daily(tenant, at=at, tz=tz, created=start)
    tick_every(start, start + timedelta(days=3) - timedelta(minutes=1), timedelta(minutes=10))
    assert runs.slots() == expected


def test_weekly_and_monthly_fire_in_their_timezone_across_dst(
    tenant: Tenant, runs: RecordingFactory
) -> None:
    with time_machine.travel(utc(2025, 3, 1), tick=False):
        weekly = make_campaign(
            tenant,
            status="active",
            schedule_type="weekly",
            schedule_day_of_week=0,
            schedule_time="02:30",
            schedule_timezone="America/New_York",
        )
        monthly = make_campaign(
            tenant,
            status="active",
            schedule_type="monthly",
            schedule_day_of_month="last_working_day",
            schedule_time="18:00",
            schedule_timezone="Australia/Sydney",
        )
    tick_every(utc(2025, 3, 1), utc(2025, 6, 1), timedelta(hours=2))
    assert runs.slots(weekly)[:3] == [
        utc(2025, 3, 2, 7, 30),
        utc(2025, 3, 9, 7),
        utc(2025, 3, 16, 6, 30),
    ]
    # 31 March 2025 (Mon, AEDT), 30 April (Wed, AEST), 30 May (Fri; the 31st is a Saturday).
    assert runs.slots(monthly) == [utc(2025, 3, 31, 7), utc(2025, 4, 30, 8), utc(2025, 5, 30, 8)]


# --- exactly once -----------------------------------------------------------------------------


def test_a_retried_tick_after_lost_bookkeeping_does_not_run_the_slot_again(
    tenant: Tenant, runs: RecordingFactory
) -> None:
    campaign = daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))
    tick_at(utc(2025, 6, 1, 9, 0, 5))
    # As if the state update had been lost (a crash, a restored backup, a second scheduler).
    ScheduleState.objects.filter(campaign=campaign).update(next_run_at=utc(2025, 6, 1, 9))
    report = tick_at(utc(2025, 6, 1, 9, 0, 30))
    assert report.fired == [] and report.already_fired == 1
    assert len(runs.calls) == 1
    assert ScheduleState.objects.get(campaign=campaign).next_run_at == utc(2025, 6, 2, 9)


def test_a_failing_run_factory_leaves_the_slot_due_for_the_next_tick(tenant: Tenant) -> None:
    campaign = daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("broker down")

    register_run_factory(broken)
    report = tick_at(utc(2025, 6, 1, 9, 0, 5))
    assert report.errors == 1
    assert not CampaignSlot.objects.exists()
    working = RecordingFactory()
    register_run_factory(working)
    tick_at(utc(2025, 6, 1, 9, 1, 5))
    assert working.slots() == [utc(2025, 6, 1, 9)]
    assert CampaignSlot.objects.get(campaign=campaign).run_id == "run_1"


def test_without_a_run_factory_slots_wait_until_one_is_registered(tenant: Tenant) -> None:
    campaign = daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))
    register_run_factory(None)
    assert tick_at(utc(2025, 6, 1, 9, 0, 5)).skipped_no_factory
    assert ScheduleState.objects.get(campaign=campaign).next_run_at == utc(2025, 6, 1, 9)
    factory = RecordingFactory()
    report = None
    with time_machine.travel(utc(2025, 6, 1, 9, 30), tick=False):
        report = schedule_tick(create_run=factory)
    assert report.fired and factory.slots() == [utc(2025, 6, 1, 9)]


# --- out-of-band changes ------------------------------------------------------------------------


def test_a_restored_campaign_does_not_fire_the_slots_it_missed_while_deleted(
    tenant: Tenant, runs: RecordingFactory
) -> None:
    campaign = daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))
    with time_machine.travel(utc(2025, 6, 1, 8, 30), tick=False):
        campaign_delete(campaign=campaign)
    with time_machine.travel(utc(2025, 6, 4, 12), tick=False):
        entity_restore(instance=Campaign.all_objects.get(pk=campaign.pk))
        report = schedule_tick()
    assert report.fired == [] and report.reconciled == 1
    assert ScheduleState.objects.get(campaign=campaign).next_run_at == utc(2025, 6, 5, 9)
    tick_at(utc(2025, 6, 5, 9, 0, 10))
    assert runs.slots() == [utc(2025, 6, 5, 9)]


def test_campaigns_activated_by_bulk_sql_are_picked_up(
    tenant: Tenant, runs: RecordingFactory
) -> None:
    with time_machine.travel(utc(2025, 6, 1, 8), tick=False):
        campaign = make_campaign(tenant, schedule_type="daily", schedule_time="09:00")
    Campaign.objects.filter(pk=campaign.pk).update(status="active")
    ScheduleState.objects.filter(campaign=campaign).delete()
    assert tick_at(utc(2025, 6, 1, 8, 30)).reconciled == 1
    tick_at(utc(2025, 6, 1, 9, 0, 10))
    assert runs.slots() == [utc(2025, 6, 1, 9)]


# --- concurrency (real transactions, one connection per thread) ------------------------------


def _in_thread(target: Any, results: list[Any], *args: Any) -> threading.Thread:
    def run() -> None:
        try:
            results.append(target(*args))
        except BaseException as exc:  # surface failures to the test thread
            results.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ticks_create_exactly_one_slot_and_one_run() -> None:
    tenant = tenant_create(name="Concurrent", slug="concurrent")
    campaigns = [
        daily(tenant, at="09:00", tz="America/New_York", created=utc(2025, 3, 9, 12))
        for _ in range(3)
    ]
    inside = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def slow_factory(
        *, campaign: Campaign, trigger: str, requested_by: str = "", slot_at: Any = None
    ) -> FakeRun:
        calls.append(campaign.pk)
        inside.set()
        assert release.wait(10)
        return FakeRun(pk=f"run_{campaign.pk}")

    def fast_factory(
        *, campaign: Campaign, trigger: str, requested_by: str = "", slot_at: Any = None
    ) -> FakeRun:
        calls.append(campaign.pk)
        return FakeRun(pk=f"run_{campaign.pk}")

    now = utc(2025, 3, 9, 13, 0, 5)
    first: list[Any] = []
    second: list[Any] = []
    with time_machine.travel(now, tick=False):
        a = _in_thread(lambda: schedule_tick(create_run=slow_factory), first)
        a.start()
        assert inside.wait(10)  # A holds the row locks of the due campaigns
        b = _in_thread(lambda: schedule_tick(create_run=fast_factory), second)
        b.start()
        b.join(10)
        b_finished_while_a_held_the_locks = not b.is_alive()
        release.set()
        a.join(10)
    assert not a.is_alive() and not b.is_alive()
    assert b_finished_while_a_held_the_locks  # SKIP LOCKED: B did not wait for A
    assert not isinstance(first[0], BaseException), first
    assert not isinstance(second[0], BaseException), second
    assert sorted(calls) == sorted(c.pk for c in campaigns)
    assert (len(first[0].fired), len(second[0].fired)) == (3, 0)
    assert CampaignSlot.objects.count() == 3
    assert set(CampaignSlot.objects.values_list("slot_at", flat=True)) == {utc(2025, 3, 9, 13)}


@pytest.mark.django_db(transaction=True)
def test_ticks_racing_from_many_threads_never_duplicate_a_slot() -> None:
    tenant = tenant_create(name="Race", slug="race")
    for _ in range(5):
        daily(tenant, at="09:00", tz="Europe/London", created=utc(2025, 6, 1, 7))
    factory = RecordingFactory()
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def tick() -> Any:
        barrier.wait(10)
        return schedule_tick(create_run=factory)

    with time_machine.travel(utc(2025, 6, 1, 8, 0, 1), tick=False):
        threads = [_in_thread(tick, results) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len(factory.calls) == 5
    assert CampaignSlot.objects.count() == 5
    assert sum(len(r.fired) for r in results) == 5


# --- the Celery task and beat entry ---------------------------------------------------------


def test_the_tick_task_runs_the_scheduler(tenant: Tenant, runs: RecordingFactory) -> None:
    from campaigns.tasks import schedule_tick as task

    daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))
    with time_machine.travel(utc(2025, 6, 1, 9, 0, 1), tick=False):
        result = task.delay().get()
    assert len(result["fired"]) == 1 and result["fired"][0]["slotAt"] == "2025-06-01T09:00:00+00:00"


def test_the_tick_is_in_the_beat_schedule_every_minute() -> None:
    from celery.schedules import crontab

    from config.celery import app

    entry = app.conf.beat_schedule["campaigns.schedule_tick"]
    assert entry["task"] == "campaigns.tasks.schedule_tick"
    assert entry["schedule"] == crontab(minute="*")


def test_a_tick_works_through_several_batches_and_never_loops_on_errors(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduling, "CLAIM_BATCH", 2)
    for _ in range(5):
        daily(tenant, at="09:00", tz="UTC", created=utc(2025, 6, 1, 8))

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("nope")

    with time_machine.travel(utc(2025, 6, 1, 9, 0, 5), tick=False):
        assert schedule_tick(create_run=broken).errors == 5
        factory = RecordingFactory()
        assert len(schedule_tick(create_run=factory).fired) == 5
    assert len(factory.calls) == 5


def test_with_the_runs_app_plugged_in_a_slot_makes_exactly_one_pending_run(tenant: Tenant) -> None:
    from django.apps import apps

    if not apps.is_installed("runs") or run_factory() is None:
        pytest.skip("the runs app does not register a run factory")
    from runs.models import Run

    campaign = daily(tenant, at="09:00", tz="America/New_York", created=utc(2025, 3, 8, 12))
    tick_at(utc(2025, 3, 9, 13, 0, 5))
    run = Run.objects.get(campaign=campaign)
    assert (run.status, run.trigger, run.slot_at) == ("pending", "schedule", utc(2025, 3, 9, 13))
    assert CampaignSlot.objects.get(campaign=campaign).run_id == run.pk
    ScheduleState.objects.filter(campaign=campaign).update(next_run_at=utc(2025, 3, 9, 13))
    CampaignSlot.objects.filter(campaign=campaign).delete()  # even without our own key ...
    report = tick_at(utc(2025, 3, 9, 13, 1))
    assert report.already_fired == 1  # ... the run's own unique (campaign, slot) holds
    assert Run.objects.filter(campaign=campaign).count() == 1


@pytest.mark.django_db(transaction=True)
def test_beat_with_the_database_scheduler_installs_one_tick_entry() -> None:
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from config.celery import app

    DatabaseScheduler(app=app)
    DatabaseScheduler(app=app)  # a second beat process (or a restart) adds nothing
    tick = PeriodicTask.objects.get(name="campaigns.schedule_tick")
    assert tick.task == "campaigns.tasks.schedule_tick" and tick.enabled
    assert (tick.crontab.minute, tick.crontab.hour, str(tick.crontab.timezone)) == ("*", "*", "UTC")
    assert PeriodicTask.objects.filter(task="campaigns.tasks.schedule_tick").count() == 1
