"""A Redis outage: noticed, logged once (one WARNING, the rest at DEBUG, one INFO
when Redis answers again), and waited out. Redis is pinged every
``WATCH_INTERVAL`` while sockets need it (the pubsub layer reconnects by itself,
so they would hear nothing), every ``PROBE_INTERVAL`` after a miss or during an
outage. ``MISSES`` pings missed in a row make an outage; one a loop too busy to
hear its answer misses does not count. The settings (``LOGGING``) import this module:
it imports no app, and Redis' client late."""

import asyncio
import contextlib
import logging
import sys
import time
import weakref
from collections.abc import Callable, Coroutine, Generator
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# An alias no CHANNEL_LAYERS entry has: Channels gives such a consumer no layer,
# so it never waits on Redis and stays up through an outage.
NO_CHANNEL_LAYER = "none"
# "Try Again Later": not one of the app's 4000-4999 refusals, so pages retry.
CLOSE_TRY_AGAIN_LATER = 1013
LAYER_UNAVAILABLE = "The message service (Redis) is unavailable. Reconnecting shortly."
PROBE_INTERVAL = 1.0
WATCH_INTERVAL = 2.0
MISSES = 3

OnSilence = Callable[[], Coroutine[Any, Any, None]]


def is_redis_failure(error: BaseException) -> bool:
    """Whether ``error`` is Redis not answering (redis-py's errors, or a socket's)."""
    redis_errors = sys.modules.get("redis.exceptions")  # none raised if not loaded
    return isinstance(error, ConnectionError) or (
        redis_errors is not None and isinstance(error, redis_errors.RedisError)
    )


class RedisOutage:
    """One event loop's (so one server process's) view of Redis."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.began: float | None = None
        self.watched: dict[Any, OnSilence] = {}
        self.pinging: asyncio.Task[None] | None = None

    def report(self, failure: str) -> None:
        if self.began is not None:
            logger.debug("Redis still does not answer: %s", failure)
            return
        self.began = time.monotonic()
        logger.warning(
            "Redis does not answer (%s). Sockets that need it are closed until it "
            "answers again; further failures are logged at DEBUG only.",
            failure,
        )
        self.ping()

    def keep_watch(self, owner: Any, on_silence: OnSilence) -> None:
        """Call ``on_silence`` once if Redis stops answering before ``forget(owner)``."""
        self.watched[owner] = on_silence
        self.ping()

    def forget(self, owner: Any) -> None:
        self.watched.pop(owner, None)

    def ping(self) -> None:
        if self.pinging is None or self.pinging.done():
            self.pinging = asyncio.get_running_loop().create_task(self.keep_pinging())

    async def keep_pinging(self) -> None:
        from core.health import PING_TIMEOUT, redis_answers  # LOGGING loads this

        misses = 0
        while self.watched or self.began is not None:
            pause = PROBE_INTERVAL if misses or self.began else WATCH_INTERVAL
            asked = time.monotonic()
            await asyncio.sleep(pause)
            busy = time.monotonic() - asked - pause > PING_TIMEOUT  # the loop lags
            if await redis_answers(self.url):
                misses = 0
                if self.began is not None:
                    took, self.began = time.monotonic() - self.began, None
                    logger.info("Redis answers again, after %.0f s.", took)
                continue
            misses += not busy
            if self.watched and misses >= MISSES:
                silenced, self.watched = list(self.watched.values()), {}
                self.report(f"no answer to {MISSES} PINGs in a row")
                for on_silence in silenced:
                    try:
                        await on_silence()
                    except Exception as error:  # one socket's failure ends no watch
                        logger.info("Could not close a socket: %r", error)


_outages = weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisOutage]()


def redis_outage() -> RedisOutage | None:
    """This event loop's tracker; None without REDIS_URL or outside a loop."""
    if not settings.REDIS_URL:
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    outage = _outages.get(loop)
    if outage is None or outage.url != settings.REDIS_URL:
        outage = _outages[loop] = RedisOutage(settings.REDIS_URL)
    return outage


def report_outage(failure: BaseException | str) -> None:
    """Log ``failure`` (an error, or what went wrong) as part of Redis' outage."""
    if isinstance(failure, BaseException):
        failure = f"{type(failure).__name__}: {failure}"
    outage = redis_outage()
    if outage is None:
        logger.warning("Redis does not answer (%s).", failure)
    else:
        outage.report(failure)


@contextlib.contextmanager
def redis_failure_reported() -> Generator[None, None, None]:
    """Report a Redis failure inside as part of the outage and go on; raise others."""
    try:
        yield
    except Exception as error:
        if not is_redis_failure(error):
            raise
        report_outage(error)


async def close_try_again_later(send: Callable[[Any], Any], accept: bool) -> None:
    """Close a socket for the outage with a reason; ``accept`` it first if unanswered."""
    close = {"code": CLOSE_TRY_AGAIN_LATER, "reason": LAYER_UNAVAILABLE}
    try:
        if accept:
            await send({"type": "websocket.accept", "subprotocol": None, "headers": []})
        await send({"type": "websocket.close", **close})
    except Exception as error:  # the client left meanwhile: nobody to tell
        logger.info("Could not close a socket: %s", type(error).__name__)


async def drop_pooled_connections(layer: Any) -> None:
    """Drop the core Redis layer's pooled connections: dead, they would fail the
    first sockets after a restart."""
    for index in range(len(getattr(layer, "hosts", []))):
        try:
            await layer.connection(index).connection_pool.disconnect()
        except Exception as error:
            logger.info("Could not drop pooled connections: %r", error)


class QuietRedisOutage(logging.Filter):
    """channels-redis' tracebacks of an unreachable Redis become outage reports;
    any other record passes, traceback and all: that is a bug to see."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None or not is_redis_failure(error) or redis_outage() is None:
            return True
        report_outage(error)
        return False


class OneLineWarning(logging.Filter):
    """A foreign ``Host`` is a scanner's probe, not a bug: one WARNING line."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = None  # no traceback
        return True
