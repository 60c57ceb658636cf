from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tribune.api.api import api
from tribune.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("tribune.accounts.urls")),
    path("s/", include("tribune.communities.urls")),
    path("", include("tribune.wiki.urls")),
    path("", include("tribune.posts.urls")),
]

if settings.DEBUG:  # pragma: no cover - media is served by the web server in production
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
