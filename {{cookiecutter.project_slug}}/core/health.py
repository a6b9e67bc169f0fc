"""Liveness and readiness probes, answered in front of Django's host check and
HTTPS redirect: a probe from inside a container has neither a host nor TLS.
``/healthz/`` is ``200 ok`` whatever Redis does, so an outage restarts nothing;
``/readyz/`` is ``503`` while ``REDIS_URL``'s Redis does not answer
django-health-check's PING, sent on one pool of connections per event loop."""

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings

Send = Callable[[Mapping[str, Any]], Awaitable[None]]

HEALTH_PATH = "/healthz/"
READY_PATH = "/readyz/"
# A probe must answer before the prober gives up (often after 1 s).
PING_TIMEOUT = 0.5

_pools = weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[str, Any]]()


async def redis_answers(url: str) -> bool:
    """Whether Redis at ``url`` answers a PING within ``PING_TIMEOUT``, first try."""
    # Here, not at the top: they load Redis' client, needless without REDIS_URL.
    from health_check.contrib.redis import Redis as RedisCheck
    from redis.asyncio import ConnectionPool, Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    loop, timeout = asyncio.get_running_loop(), PING_TIMEOUT
    made = _pools.get(loop)
    if made is None or made[0] != url:
        timeouts = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        pool = ConnectionPool.from_url(url, retry=Retry(NoBackoff(), 0), **timeouts)
        made = _pools[loop] = (url, pool)
    try:  # a client of the pool: its close hands the connection back
        async with asyncio.timeout(2 * timeout):  # a close that hangs too
            await RedisCheck(
                client_factory=lambda: Redis(connection_pool=made[1])
            ).run()
    except Exception:
        return False
    return True


class HealthCheck:
    """Answer the probes and hand every other request on."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in (HEALTH_PATH, READY_PATH):
            await self.app(scope, receive, send)
            return
        ready = scope["path"] == HEALTH_PATH or not settings.REDIS_URL
        ready = ready or await redis_answers(settings.REDIS_URL)
        headers = [(b"content-type", b"text/plain; charset=utf-8")]
        headers.append((b"cache-control", b"no-store"))
        start = {"status": 200 if ready else 503, "headers": headers}
        await send({"type": "http.response.start", **start})
        body = b"ok\n" if ready else b"Redis does not answer.\n"
        if scope.get("method") == "HEAD":
            body = b""
        await send({"type": "http.response.body", "body": body})
