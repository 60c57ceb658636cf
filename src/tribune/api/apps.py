from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tribune.api"
    label = "api"
    verbose_name = "API"
