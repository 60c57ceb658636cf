"""Moderation's pages: reports, the queue and its actions, the public log, appeals, and
the review, rollback and removal buttons of the posts', descriptions' and talk's pages.

Included at the site's root, so each path says where it lives (/moderation/...).
"""

from django.urls import path

from tribune.moderation import review_views, views

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
    # Beside the pages they are on.
    path(
        "p/<int:post_id>/revisions/<int:revision_id>/approve/",
        review_views.post_reviews.approve,
        name="post_approve",
    ),
    path(
        "p/<int:post_id>/revisions/<int:revision_id>/reject/",
        review_views.post_reviews.reject,
        name="post_reject",
    ),
    path("p/<int:post_id>/rollback/", review_views.post_rollback, name="post_rollback"),
    path(
        "s/<slug:slug>/description/revisions/<int:revision_id>/approve/",
        review_views.description_reviews.approve,
        name="description_approve",
    ),
    path(
        "s/<slug:slug>/description/revisions/<int:revision_id>/reject/",
        review_views.description_reviews.reject,
        name="description_reject",
    ),
    path(
        "p/<int:post_id>/comments/<int:comment_id>/remove/",
        review_views.comment_remove,
        name="comment_remove",
    ),
]
