from django.urls import path

from tribune.communities import views

app_name = "communities"

urlpatterns = [
    path("", views.subwiki_list, name="list"),
    path("new/", views.subwiki_create, name="create"),
    path("<slug:slug>/", views.subwiki_detail, name="detail"),
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
]
