from django.urls import path

from tribune.accounts import access_views, follow_views, views

app_name = "accounts"

urlpatterns = [
    path("u/<str:username>/follow/", follow_views.follow, name="follow"),
    path("u/<str:username>/unfollow/", follow_views.unfollow, name="unfollow"),
    path("u/<str:username>/followers/", follow_views.followers, name="followers"),
    path("u/<str:username>/following/", follow_views.following, name="following"),
    path("settings/", views.settings_profile, name="settings"),
    path("waitlist/", access_views.waitlist, name="waitlist"),
    path("invites/", access_views.invitations, name="invitations"),
]
