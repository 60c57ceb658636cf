"""Trust's pages: vouching for a member, from their profile."""

from django.urls import path

from tribune.trust import views

app_name = "trust"

urlpatterns = [
    path("u/<str:username>/vouch/", views.vouch, name="vouch"),
    path("u/<str:username>/unvouch/", views.unvouch, name="unvouch"),
]
