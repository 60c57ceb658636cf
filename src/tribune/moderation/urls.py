"""Moderation's pages: the queue, log and appeals, vouches on profiles, community notes.

Included at the site's root, so each path says where it lives (/moderation/...,
/u/<username>/vouch/, ...).
"""

from django.urls import path

from tribune.moderation import note_views, trust_views, views

app_name = "moderation"

urlpatterns = [
    # Reports, the queue and its actions, the public log, appeals.
    path("moderation/", views.queue, name="queue"),
    path("moderation/report/", views.report, name="report"),
    path("moderation/act/", views.act, name="act"),
    path("moderation/log/", views.log, name="log"),
    path("moderation/actions/<int:action_id>/appeal/", views.appeal, name="appeal"),
    path("moderation/appeal/<str:token>/", views.appeal_link, name="appeal_link"),
    path("moderation/appeals/", views.appeals, name="appeals"),
    path("moderation/appeals/<int:appeal_id>/decide/", views.decide, name="decide"),
    # Trust: vouching on a member's profile.
    path("u/<str:username>/vouch/", trust_views.vouch, name="vouch"),
    path("u/<str:username>/unvouch/", trust_views.unvouch, name="unvouch"),
    # Community notes: a post's notes, and each note with its ratings and history.
    path("p/<int:post_id>/notes/", note_views.post_notes_page, name="post_notes"),
    path("p/<int:post_id>/notes/new/", note_views.note_new, name="note_create"),
    path("notes/<int:note_id>/", note_views.note_page, name="note"),
    path("notes/<int:note_id>/edit/", note_views.note_change, name="note_edit"),
    path("notes/<int:note_id>/rate/", note_views.note_rate_button, name="note_rate"),
    path("notes/<int:note_id>/history/", note_views.note_history_page, name="note_history"),
]
