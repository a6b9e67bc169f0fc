"""HTTP routes: the landing page, each app's page and the AsyncAPI docs."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core.apps import realtime_pages

urlpatterns = [
    path("", include("core.urls")),
    *(path(app.url_prefix, include(f"{app.name}.urls")) for app in realtime_pages()),
    path(settings.ADMIN_URL, admin.site.urls),
]

if settings.ASYNCAPI_PUBLIC:
    urlpatterns.append(path("asyncapi/", include("chanx.channels.urls")))
