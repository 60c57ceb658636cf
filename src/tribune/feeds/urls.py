from django.urls import path
from django.views.decorators.http import require_safe

from tribune.feeds import syndication, views

app_name = "feeds"

urlpatterns = [
    path("all/", views.everything, name="all"),
    path("s/<slug:slug>/", views.subwiki_page, name="subwiki"),
    path("u/<str:username>/", views.profile, name="profile"),
    path("all/feed/", require_safe(syndication.SiteFeed()), name="all_rss"),
    path("all/feed/atom/", require_safe(syndication.SiteAtomFeed()), name="all_atom"),
    path("s/<slug:slug>/feed/", require_safe(syndication.SubwikiFeed()), name="subwiki_rss"),
    path(
        "s/<slug:slug>/feed/atom/",
        require_safe(syndication.SubwikiAtomFeed()),
        name="subwiki_atom",
    ),
    path("u/<str:username>/feed/", require_safe(syndication.MemberFeed()), name="member_rss"),
    path(
        "u/<str:username>/feed/atom/",
        require_safe(syndication.MemberAtomFeed()),
        name="member_atom",
    ),
]
