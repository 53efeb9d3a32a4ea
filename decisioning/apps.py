from django.apps import AppConfig


class DecisioningConfig(AppConfig):
    name = "decisioning"
