from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "runs"

    def ready(self) -> None:
        from campaigns.scheduling import register_run_factory
        from runs.services import run_create

        register_run_factory(run_create)
