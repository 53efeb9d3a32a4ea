from django.apps import AppConfig


class AudienceConfig(AppConfig):
    name = "audience"
