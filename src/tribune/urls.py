from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tribune.accounts import access_views
from tribune.api.api import api
from tribune.core import views as core_views
from tribune.feeds import views as feeds_views
from tribune.funding.webhooks import stripe_webhook

urlpatterns = [
    path("", feeds_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Before allauth's: the same sign-up page, with ?invite=CODE filling the code in.
    path("accounts/signup/", access_views.signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("funding/webhooks/stripe", stripe_webhook, name="stripe-webhook"),
    path("", include("tribune.accounts.urls")),
    path("s/", include("tribune.communities.urls")),
    path("", include("tribune.posts.urls")),
    path("", include("tribune.feeds.urls")),
    path("", include("tribune.talk.urls")),
    path("", include("tribune.funding.urls")),
    path("", include("tribune.notes.urls")),
    path("", include("tribune.moderation.urls")),
    path("", include("tribune.trust.urls")),
]

if settings.TRIBUNE_SERVE_MEDIA:
    # The embedded default has no web server in front to serve uploads; a larger
    # instance turns this off and lets its proxy or object storage do it.
    urlpatterns.append(path("media/<path:path>", core_views.media, name="media"))
