from django.urls import path

from tribune.posts import reaction_views, revisions, views

app_name = "posts"

urlpatterns = [
    path("p/new/", views.create, name="create"),
    path("p/preview/", views.preview, name="preview"),
    path("p/<int:post_id>/", views.detail, name="detail"),
    path("p/<int:post_id>/edit/", views.edit, name="edit"),
    # The post's revision pages (wiki.views); reviewing them is moderation's.
    path("p/<int:post_id>/history/", revisions.views.history, name="history"),
    path("p/<int:post_id>/diff/", revisions.views.diff, name="diff"),
    path(
        "p/<int:post_id>/revisions/<int:revision_id>/",
        revisions.views.revision,
        name="revision",
    ),
    path("p/<int:post_id>/revert/", revisions.views.revert, name="revert"),
    path("p/<int:post_id>/upvote/", reaction_views.upvote, name="upvote"),
    path("p/<int:post_id>/unvote/", reaction_views.unvote, name="unvote"),
    path("changes/", views.recent_changes_page, name="recent_changes"),
    path("s/<slug:slug>/changes/", views.subwiki_changes, name="subwiki_changes"),
    path("u/<str:username>/contributions/", views.contributions, name="contributions"),
]
