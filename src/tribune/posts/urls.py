from django.urls import path  # noqa: F401

app_name = "posts"

urlpatterns: list = []  # type: ignore[type-arg]
