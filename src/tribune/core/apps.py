from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tribune.core"
    label = "core"
