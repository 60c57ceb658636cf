from django.urls import path  # noqa: F401

app_name = "wiki"

urlpatterns: list = []  # type: ignore[type-arg]
