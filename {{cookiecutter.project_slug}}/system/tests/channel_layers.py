"""An in-memory channel layer that code outside the event loop can send through.

Channels' ``InMemoryChannelLayer`` keeps one ``asyncio.Queue`` per channel. A
thread outside the server's event loop (one that runs its own loop, as
``async_to_sync`` does) can put a message on that queue, but waking the waiting
receiver is not thread-safe: the receiver's loop never notices and the message
sits there until something else wakes it. This layer remembers which loop
receives on each channel and hands sends from any other loop to it.
"""

import asyncio
import logging
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

logger = logging.getLogger(__name__)


class ThreadSafeInMemoryChannelLayer(InMemoryChannelLayer):
    """``InMemoryChannelLayer`` that also delivers sends made from other threads."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._receiver_loops: dict[str, asyncio.AbstractEventLoop] = {}

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        """Queue ``message``, on the receiver's own loop when it runs elsewhere."""
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        item = (time.time() + self.expiry, deepcopy(message))

        loop = self._receiver_loops.get(channel)
        if loop is None or loop is asyncio.get_running_loop() or loop.is_closed():
            self._put(channel, item)
            return

        # Checked here so that the sender, not the receiver, hears of it.
        queue = self.channels.get(channel)
        if queue is not None and queue.full():
            raise ChannelFull(channel)
        try:
            loop.call_soon_threadsafe(self._put_or_drop, channel, item)
        except RuntimeError:
            # The receiving loop closed in the meantime: nobody is listening, so
            # the message waits on the queue and expires like any other.
            self._put(channel, item)

    async def receive(self, channel: str) -> dict[str, Any]:
        """Wait for a message, recording this loop as the channel's receiver."""
        self._receiver_loops[channel] = asyncio.get_running_loop()
        try:
            message: dict[str, Any] = await super().receive(channel)
        except asyncio.CancelledError:
            # A consumer stops by cancelling its receive: forget its loop.
            self._receiver_loops.pop(channel, None)
            raise
        return message

    async def flush(self) -> None:
        await super().flush()
        self._receiver_loops = {}

    def _put(self, channel: str, item: tuple[float, dict[str, Any]]) -> None:
        queue = self.channels.setdefault(
            channel, asyncio.Queue(maxsize=self.get_capacity(channel))
        )
        try:
            queue.put_nowait(item)
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    def _put_or_drop(self, channel: str, item: tuple[float, dict[str, Any]]) -> None:
        """Run on the receiver's loop, where nobody is left to raise to."""
        try:
            self._put(channel, item)
        except ChannelFull:
            logger.warning("Channel %s is full; dropped a message sent to it", channel)
