from django.apps import AppConfig

SCHEDULE_TICK_ENTRY = "campaigns.schedule_tick"


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self) -> None:
        register_beat_entry()


def register_beat_entry() -> None:
    """The one periodic task of the scheduler: every minute, on the minute (UTC), so a slot
    fires within seconds of its time. django-celery-beat's DatabaseScheduler copies
    ``beat_schedule`` into its tables when beat starts. ``expires`` drops a tick that waited
    in the queue past the next one."""
    from celery.schedules import crontab

    from config.celery import app

    entries = dict(app.conf.beat_schedule or {})
    entries[SCHEDULE_TICK_ENTRY] = {
        "task": "campaigns.tasks.schedule_tick",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    }
    app.conf.beat_schedule = entries
