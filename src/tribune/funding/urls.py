from django.urls import path

from tribune.funding import views

app_name = "funding"

urlpatterns = [
    path("donate/", views.donate, name="donate"),
    path("donate/mine/", views.my_donations, name="mine"),
    path("donate/<int:donation_id>/", views.donation, name="donation"),
    path("financials/", views.financials, name="financials"),
    path("funding/bar/", views.funding_bar, name="bar"),
]
