from django.urls import path

from tribune.communities import descriptions, views

app_name = "communities"

urlpatterns = [
    path("", views.subwiki_list, name="list"),
    path("new/", views.subwiki_create, name="create"),
    path("<slug:slug>/join/", views.subwiki_join, name="join"),
    path("<slug:slug>/leave/", views.subwiki_leave, name="leave"),
    path("<slug:slug>/follow/", views.subwiki_follow, name="follow"),
    path("<slug:slug>/unfollow/", views.subwiki_unfollow, name="unfollow"),
    path("<slug:slug>/members/", views.subwiki_members, name="members"),
    path("<slug:slug>/members/invite/", views.membership_invite, name="invite"),
    path(
        "<slug:slug>/members/<str:username>/approve/",
        views.membership_approve,
        name="approve",
    ),
    path("<slug:slug>/members/<str:username>/remove/", views.membership_remove, name="remove"),
    path("<slug:slug>/members/<str:username>/role/", views.membership_set_role, name="set_role"),
    path("<slug:slug>/settings/", views.subwiki_settings, name="settings"),
    # The description, and its revision pages (wiki.views).
    path("<slug:slug>/description/edit/", views.description_edit, name="description_edit"),
    path(
        "<slug:slug>/description/history/",
        descriptions.views.history,
        name="description_history",
    ),
    path("<slug:slug>/description/diff/", descriptions.views.diff, name="description_diff"),
    path(
        "<slug:slug>/description/revisions/<int:revision_id>/",
        descriptions.views.revision,
        name="description_revision",
    ),
    path("<slug:slug>/description/revert/", descriptions.views.revert, name="description_revert"),
]
