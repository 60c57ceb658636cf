from django.urls import path

from tribune.wiki import views

app_name = "wiki"

urlpatterns = [
    path("s/<slug:slug>/description/edit/", views.description_edit, name="description_edit"),
    path(
        "s/<slug:slug>/description/history/",
        views.description_history,
        name="description_history",
    ),
    path("s/<slug:slug>/description/diff/", views.description_diff, name="description_diff"),
    path("s/<slug:slug>/description/revert/", views.description_revert, name="description_revert"),
    path("s/<slug:slug>/changes/", views.subwiki_changes, name="subwiki_changes"),
    path(
        "s/<slug:slug>/description/revisions/<int:revision_id>/approve/",
        views.description_approve,
        name="description_approve",
    ),
    path(
        "s/<slug:slug>/description/revisions/<int:revision_id>/reject/",
        views.description_reject,
        name="description_reject",
    ),
]
