"""What a Redis outage costs the log: one WARNING as it starts, one INFO once Redis is back.

While Redis is down, channels-redis' pubsub layer logs an ERROR with a
traceback about once a second (its receive loop retrying) and another for
each socket that fails to unsubscribe as it closes; the sockets here fail on
it too (``core.outage``). After the first, none of that says anything new.
Each failure is reported to the process's ``RedisOutage`` instead: the first
logs the WARNING and starts pinging Redis every ``PROBE_INTERVAL`` seconds,
the rest go to DEBUG, and the first answer logs the INFO. channels-redis'
lines are turned into reports by ``QuietRedisOutage``, a filter that
``settings.LOGGING`` sets on its logger.

``settings.LOGGING`` loads this module before the apps are ready, so it
imports none of them; it logs as ``core.outage``, beside the sockets' lines.
"""

import asyncio
import logging
import time
import weakref

from django.conf import settings
from redis.exceptions import RedisError

from core.health import redis_answers

logger = logging.getLogger("core.outage")

# What a Redis client raises when Redis does not answer (redis-py wraps most
# socket errors; a refused or reset connection may come through as it is).
LAYER_ERRORS = (RedisError, ConnectionError)

PROBE_INTERVAL = 1.0


class RedisOutage:
    """One event loop's, so one server process's, view of whether Redis is down."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.began: float | None = None
        self.probe: asyncio.Task[None] | None = None

    def report(self, failure: str) -> None:
        """Note a failure: the outage's WARNING if it is news, else a DEBUG line."""
        if self.began is not None:
            logger.debug("Redis still does not answer: %s", failure)
            return
        self.began = time.monotonic()
        logger.warning(
            "Redis does not answer (%s). Sockets that need it are closed until it "
            "answers again; further failures are logged at DEBUG only.",
            failure,
        )
        self.probe = asyncio.get_running_loop().create_task(self.await_answer())

    async def await_answer(self) -> None:
        while not await redis_answers(self.url):
            await asyncio.sleep(PROBE_INTERVAL)
        began, self.began = self.began, None
        logger.info(
            "Redis answers again, after %.0f s.", time.monotonic() - (began or 0.0)
        )


_outages: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisOutage]" = (
    weakref.WeakKeyDictionary()
)


def redis_outage() -> RedisOutage | None:
    """This event loop's outage tracker; None without REDIS_URL or outside a loop."""
    if not settings.REDIS_URL:
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    outage = _outages.get(loop)
    if outage is None:
        outage = _outages[loop] = RedisOutage(settings.REDIS_URL)
    return outage


def report_outage(failure: BaseException | str) -> None:
    """Log ``failure`` (an error, or what went wrong) as part of Redis' outage."""
    if isinstance(failure, BaseException):
        failure = f"{type(failure).__name__}: {failure}"
    outage = redis_outage()
    if outage is None:
        # Nothing to ping until it answers: say it each time.
        logger.warning("Redis does not answer (%s).", failure)
        return
    outage.report(failure)


class QuietRedisOutage(logging.Filter):
    """Turn channels-redis' tracebacks of an unreachable Redis into outage reports.

    Any other record passes as it is, traceback and all: that is a bug to see.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, LAYER_ERRORS) or redis_outage() is None:
            return True
        report_outage(error)
        return False
