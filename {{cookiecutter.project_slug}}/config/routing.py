"""Websocket routes, mounted under ``/ws/`` by ``config.asgi``."""

from channels.routing import URLRouter
{%- if cookiecutter.use_chat or cookiecutter.use_assistants or cookiecutter.use_system %}
from chanx.channels.routing import include, path

router = URLRouter(
    [
        {%- if cookiecutter.use_chat %}
        path("chat/", include("chat.routing")),
        {%- endif %}
        {%- if cookiecutter.use_assistants %}
        path("assistants/", include("assistants.routing")),
        {%- endif %}
        {%- if cookiecutter.use_system %}
        path("system/", include("system.routing")),
        {%- endif %}
    ]
)
{%- else %}

router = URLRouter([])
{%- endif %}
