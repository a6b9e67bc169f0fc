"""Websocket routing that refuses unknown paths instead of failing on them."""

from typing import Any

from channels.routing import URLRouter
from channels.security.websocket import WebsocketDenier


class RefusingURLRouter(URLRouter):
    """Deny the handshake for a path no route matches: a client's mistake, not
    Channels' ``ValueError``, which the server logs with a traceback."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        try:
            return await super().__call__(scope, receive, send)
        except ValueError as error:
            if not str(error).startswith("No route found for path"):
                raise
            return await WebsocketDenier()(scope, receive, send)
