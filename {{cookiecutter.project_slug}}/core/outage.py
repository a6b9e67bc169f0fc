"""What a socket does when Redis, and with it the channel layer, goes away.

A socket that needs the channel layer (a chat room, job results) is a
``ChannelLayerConsumer``: when the layer fails, or a watch that pings Redis every
``WATCH_INTERVAL`` seconds finds it silent, the socket is closed with
``CLOSE_TRY_AGAIN_LATER`` and a reason the page shows, and the page reconnects
with backoff. The pubsub layer never fails a receive (it reconnects by itself),
so without the watch its sockets would stay open and hear nothing. A socket
that needs no layer sets ``channel_layer_alias = NO_CHANNEL_LAYER`` and stays
up through an outage. How an outage is logged: ``core.outage_log``.
"""

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING, Any

from asgiref.typing import (
    ASGIReceiveCallable,
    ASGISendCallable,
    ASGISendEvent,
    WebSocketAcceptEvent,
    WebSocketCloseEvent,
)
from chanx.messages.base import BaseMessage
from django.conf import settings
from typing_extensions import TypeVar

from core.consumers import GuardedConsumer
from core.health import redis_answers
from core.outage_log import LAYER_ERRORS, report_outage

if TYPE_CHECKING:
    from channels.consumer import _ChannelScope  # the stubs' name, not the module's

logger = logging.getLogger(__name__)

# An alias no CHANNEL_LAYERS entry has: Channels then gives the consumer no
# layer at all, so it never waits on Redis.
NO_CHANNEL_LAYER = "none"

# The WebSocket close code "Try Again Later": not one of the app's 4000-4999
# refusals, so the page retries.
CLOSE_TRY_AGAIN_LATER = 1013
LAYER_UNAVAILABLE = "The message service (Redis) is unavailable. Reconnecting shortly."

WATCH_INTERVAL = 2.0

ReceiveEvent = TypeVar("ReceiveEvent", bound=BaseMessage, default=BaseMessage)


class ChannelLayerConsumer(GuardedConsumer[ReceiveEvent]):
    """A consumer that closes with ``CLOSE_TRY_AGAIN_LATER`` when the channel layer fails."""

    # Named apart from chanx's own ``_closed``, which means the client left.
    _answered = False
    _close_sent = False

    async def __call__(
        self,
        scope: "_ChannelScope",
        receive: ASGIReceiveCallable,
        send: ASGISendCallable,
    ) -> None:
        async def noting_send(message: ASGISendEvent) -> None:
            if message["type"] == "websocket.accept":
                self._answered = True
            elif message["type"] == "websocket.close":
                self._answered = self._close_sent = True
            await send(message)

        self._send: ASGISendCallable = noting_send
        watch = redis_watch()
        if watch is not None:
            watch.add(self)
        try:
            await super().__call__(scope, receive, noting_send)
        except LAYER_ERRORS as error:
            report_outage(error)
            if self._close_sent:
                # Leaving the groups after the close failed too: nothing to tell.
                return
            logger.debug("Closing a socket: the channel layer failed.")
            await self.close_for_outage()
            await self.drop_pooled_connections()
        finally:
            if watch is not None:
                watch.discard(self)

    async def close_for_outage(self) -> None:
        """Tell the client the service is gone; accept first if it was never answered."""
        if self._close_sent:
            return
        try:
            if not self._answered:
                await self._send(
                    WebSocketAcceptEvent(
                        type="websocket.accept", subprotocol=None, headers=[]
                    )
                )
            await self._send(
                WebSocketCloseEvent(
                    type="websocket.close",
                    code=CLOSE_TRY_AGAIN_LATER,
                    reason=LAYER_UNAVAILABLE,
                )
            )
        except Exception as error:
            # The client left meanwhile: nobody to tell.
            logger.info("Could not close a socket: %s", type(error).__name__)

    async def drop_pooled_connections(self) -> None:
        """Disconnect the connections the core Redis layer keeps pooled.

        Those idle when Redis went down are dead, and after a restart each
        would fail the next socket to take one; reconnecting costs nothing
        while Redis is down anyway. The pubsub layer reconnects by itself.
        """
        layer: Any = self.channel_layer
        connection = getattr(layer, "connection", None)
        if connection is None:
            return
        for index in range(len(layer.hosts)):
            try:
                await connection(index).connection_pool.disconnect()
            except Exception as error:
                logger.info("Could not drop pooled connections: %r", error)


class RedisWatch:
    """Ping Redis while sockets that need it are open; close them when it is silent."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sockets: set[ChannelLayerConsumer[Any]] = set()
        self.task: asyncio.Task[None] | None = None

    def add(self, consumer: ChannelLayerConsumer[Any]) -> None:
        self.sockets.add(consumer)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self.watch())

    def discard(self, consumer: ChannelLayerConsumer[Any]) -> None:
        self.sockets.discard(consumer)

    async def watch(self) -> None:
        while self.sockets:
            await asyncio.sleep(WATCH_INTERVAL)
            if not self.sockets or await redis_answers(self.url):
                continue
            silent = list(self.sockets)
            self.sockets.clear()
            report_outage("no answer to a PING")
            logger.debug("Closing %d socket(s) that need Redis.", len(silent))
            for consumer in silent:
                await consumer.close_for_outage()


_watches: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisWatch]" = (
    weakref.WeakKeyDictionary()
)


def redis_watch() -> RedisWatch | None:
    """This event loop's watch, or None when the layer is in memory."""
    if not settings.REDIS_URL:
        return None
    loop = asyncio.get_running_loop()
    watch = _watches.get(loop)
    if watch is None:
        watch = _watches[loop] = RedisWatch(settings.REDIS_URL)
    return watch
