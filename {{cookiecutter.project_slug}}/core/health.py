"""Liveness and readiness probes, answered in front of Django's host check and
HTTPS redirect: a probe from inside a container has neither a host nor TLS.
``/healthz/`` is ``200 ok`` whatever Redis does, so an outage restarts nothing;
``/readyz/`` is ``503`` while ``REDIS_URL``'s Redis does not answer. Their pings
reuse one pool of connections per event loop.
"""

import asyncio
import functools
import io
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse

Send = Callable[[Mapping[str, Any]], Awaitable[None]]

HEALTH_PATH = "/healthz/"
READY_PATH = "/readyz/"
# A probe must answer before the prober gives up (often after 1 s).
PING_TIMEOUT = 0.5


_pools: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any]" = (
    weakref.WeakKeyDictionary()
)


def redis_check(url: str) -> Any:
    """django-health-check's Redis check: a PING, first try, within PING_TIMEOUT,
    on this loop's pool (its client's ``aclose`` leaves the pool open)."""
    # Here, not at the top: they load Redis' client, needless without REDIS_URL.
    from health_check.contrib.redis import Redis as RedisCheck
    from redis.asyncio import ConnectionPool, Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    loop = asyncio.get_running_loop()
    made = _pools.get(loop)
    if made is None or made[0] != url:
        timeout = PING_TIMEOUT
        pool = ConnectionPool.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        made = _pools[loop] = (url, pool)
    return RedisCheck(client_factory=lambda: Redis(connection_pool=made[1]))


async def redis_answers(url: str) -> bool:
    """Whether Redis at ``url`` answers a PING within ``PING_TIMEOUT``, first try."""
    try:
        await redis_check(url).run()
    except Exception:
        return False
    return True


@functools.cache
def readiness() -> Any:
    """django-health-check's view, running the Redis check."""
    from health_check.views import HealthCheckView

    class Readiness(HealthCheckView):  # type: ignore[misc]  # untyped
        def get_checks(self) -> Any:
            yield redis_check(settings.REDIS_URL)

        def render_to_response_text(self, status: int) -> HttpResponse:
            # 503, not 500: this server works, a service it needs does not.
            response: HttpResponse = super().render_to_response_text(status)
            response.status_code = 200 if status == 200 else 503
            if status == 200:
                response.content = b"ok\n"
            return response

    return Readiness.as_view()


class HealthCheck:
    """Answer the probes and hand every other request on."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in (HEALTH_PATH, READY_PATH):
            await self.app(scope, receive, send)
            return
        if scope["path"] == HEALTH_PATH or not settings.REDIS_URL:
            response = HttpResponse(b"ok\n", content_type="text/plain; charset=utf-8")
        else:
            asgi_request: Any = ASGIRequest  # its stubs miss the ASGI signature
            request = asgi_request({**scope, "method": "GET"}, io.BytesIO())
            request.META["HTTP_ACCEPT"] = "text/plain"
            response = await readiness()(request)
        response["Cache-Control"] = "no-store"
        headers = [
            (k.encode("latin1"), v.encode("latin1")) for k, v in response.items()
        ]
        start = {"status": response.status_code, "headers": headers}
        await send({"type": "http.response.start", **start})
        body = b"" if scope.get("method") == "HEAD" else response.content
        await send({"type": "http.response.body", "body": body})
