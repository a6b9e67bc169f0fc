"""A liveness probe for container health checks, answered in front of Django."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

# The shapes Django's own ASGI handler takes.
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEALTH_PATH = "/healthz/"


class HealthCheck:
    """Answer ``GET /healthz/`` with ``200 ok`` and hand every other request on.

    It sits in front of Django, so a probe from inside the container needs
    neither a host from ``ALLOWED_HOSTS`` nor HTTPS. An answer shows that the
    server process takes requests; it does not touch the database or Redis.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != HEALTH_PATH:
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        body = b"" if scope["method"] == "HEAD" else b"ok\n"
        await send({"type": "http.response.body", "body": body})
