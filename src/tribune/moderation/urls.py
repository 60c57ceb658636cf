"""Moderation's pages: reports, the queue and its actions, the public log, appeals.

Included at the site's root, so each path says where it lives (/moderation/...).
"""

from django.urls import path

from tribune.moderation import views

app_name = "moderation"

urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("moderation/report/", views.report, name="report"),
    path("moderation/act/", views.act, name="act"),
    path("moderation/log/", views.log, name="log"),
    path("moderation/actions/<int:action_id>/appeal/", views.appeal, name="appeal"),
    path("moderation/appeal/<str:token>/", views.appeal_link, name="appeal_link"),
    path("moderation/appeals/", views.appeals, name="appeals"),
    path("moderation/appeals/<int:appeal_id>/decide/", views.decide, name="decide"),
]
