from django.urls import path

from tribune.posts import reaction_views, views

app_name = "posts"

urlpatterns = [
    path("p/new/", views.create, name="create"),
    path("p/preview/", views.preview, name="preview"),
    path("p/<int:post_id>/", views.detail, name="detail"),
    path("p/<int:post_id>/edit/", views.edit, name="edit"),
    path("p/<int:post_id>/history/", views.history, name="history"),
    path("p/<int:post_id>/diff/", views.diff, name="diff"),
    path("p/<int:post_id>/revisions/<int:revision_id>/", views.revision, name="revision"),
    path("p/<int:post_id>/revisions/<int:revision_id>/approve/", views.approve, name="approve"),
    path("p/<int:post_id>/revisions/<int:revision_id>/reject/", views.reject, name="reject"),
    path("p/<int:post_id>/revert/", views.revert, name="revert"),
    path("p/<int:post_id>/rollback/", views.rollback, name="rollback"),
    path("p/<int:post_id>/upvote/", reaction_views.upvote, name="upvote"),
    path("p/<int:post_id>/unvote/", reaction_views.unvote, name="unvote"),
    path("changes/", views.recent_changes_page, name="recent_changes"),
    path("u/<str:username>/contributions/", views.contributions, name="contributions"),
]
