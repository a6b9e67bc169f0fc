"""Websocket routes, mounted under ``/ws/`` by ``config.asgi``: one per realtime app."""

from channels.routing import URLRouter
from chanx.channels.routing import include, path

from core.apps import realtime_apps

router = URLRouter(
    [path(app.url_prefix, include(f"{app.name}.routing")) for app in realtime_apps()]
)
