"""Liveness and readiness probes for container health checks, answered in front of Django."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings

# The shapes Django's own ASGI handler takes.
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEALTH_PATH = "/healthz/"
READY_PATH = "/readyz/"

# A probe must answer before the prober gives up (often after 1 s).
PING_TIMEOUT = 0.5


async def redis_answers(url: str) -> bool:
    """Whether Redis at ``url`` answers a PING within ``PING_TIMEOUT``, first try."""
    # Here, not at the top: a project without REDIS_URL never loads Redis' client.
    from redis.asyncio import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = Redis.from_url(
        url,
        socket_connect_timeout=PING_TIMEOUT,
        socket_timeout=PING_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


class HealthCheck:
    """Answer the probes and hand every other request on.

    ``GET /healthz/`` (liveness) is ``200 ok`` while the process takes
    requests: it touches neither the database nor Redis, so an outage does not
    get the server restarted. ``GET /readyz/`` (readiness) is ``200 ok`` when
    Redis answers or REDIS_URL is unset, else ``503``: a load balancer can send
    new clients elsewhere. Both sit in front of Django, so a probe from inside
    the container needs neither a host from ``ALLOWED_HOSTS`` nor HTTPS.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in (HEALTH_PATH, READY_PATH):
            await self.app(scope, receive, send)
            return
        ready = scope["path"] == HEALTH_PATH or await self.redis_is_ready()
        await send(
            {
                "type": "http.response.start",
                "status": 200 if ready else 503,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        body = b"ok\n" if ready else b"Redis does not answer\n"
        await send(
            {
                "type": "http.response.body",
                "body": b"" if scope["method"] == "HEAD" else body,
            }
        )

    async def redis_is_ready(self) -> bool:
        return not settings.REDIS_URL or await redis_answers(settings.REDIS_URL)
