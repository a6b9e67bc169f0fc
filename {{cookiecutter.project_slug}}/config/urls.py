"""HTTP routes: the landing page, each app's page and the AsyncAPI docs."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    {%- if cookiecutter.use_chat %}
    path("chat/", include("chat.urls")),
    {%- endif %}
    {%- if cookiecutter.use_assistants %}
    path("assistants/", include("assistants.urls")),
    {%- endif %}
    {%- if cookiecutter.use_system %}
    path("system/", include("system.urls")),
    {%- endif %}
    path(settings.ADMIN_URL, admin.site.urls),
]

if settings.ASYNCAPI_PUBLIC:
    urlpatterns.append(path("asyncapi/", include("chanx.channels.urls")))
