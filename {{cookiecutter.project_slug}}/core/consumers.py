"""The base of every socket here: what one client may do, and what it may not cost.

``GuardedConsumer`` is chanx's ``AsyncJsonWebsocketConsumer`` with four
promises kept for each connection:

- **Limits**: inbound frames are counted per connection, a burst per second
  and a rate per minute (``SOCKET_FRAMES_PER_SECOND``,
  ``SOCKET_FRAMES_PER_MINUTE``; a consumer class may set its own). A frame
  over them is answered with an ``error`` frame ``{"code": "rate_limited",
  "detail", "retry_after"}`` and not handled; the socket stays open.
- **Order**: chanx runs every frame in a task of its own; here they take
  turns, so frames are handled one after another in the order they arrived.
  A handler that runs long (an answer streamed for seconds) calls
  ``let_next_frame_in`` once it has started, so pings are still answered.
- **Membership**: a send to a client that has already gone is dropped instead
  of raised, so the disconnect that follows is handled and leaves every
  group; whatever else ends the connection leaves them too.
- **Slow readers**: a send that has not gone out within
  ``SOCKET_SEND_TIMEOUT`` seconds means the client stopped reading (its
  buffers are full). It is dropped with one WARNING: closed, out of its
  groups, sent nothing more, so it holds up nobody else.
"""

import asyncio
import contextvars
import logging
import time
import uuid
from typing import Any

from asgiref.typing import (
    ASGIReceiveCallable,
    ASGIReceiveEvent,
    ASGISendCallable,
    ASGISendEvent,
    WebSocketDisconnectEvent,
)
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.websocket import ReceiveEvent
from chanx.messages.outgoing import CompleteMessage, ErrorMessage
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache

from core.limits import Limit, RateLimiter, Verdict
from core.outage_log import LAYER_ERRORS, report_outage

logger = logging.getLogger(__name__)

# Close code for a client dropped for not reading (1008: policy violation).
CLOSE_NOT_READING = 1008

# Each connection's frame counts, in this process only: a connection lives in
# one process, and counting in Redis would cost a round trip per frame. Keys
# are channel names; a window's count expires with it.
FRAME_COUNTS = LocMemCache("socket-frames", {"OPTIONS": {"MAX_ENTRIES": 100_000}})

# The turn of the frame a task is handling (each handler task has its own).
current_turn: contextvars.ContextVar["Turn | None"] = contextvars.ContextVar(
    "current_turn", default=None
)


def frame_clock() -> float:
    """The clock frame limits count by; tests replace it."""
    return time.monotonic()


class Turn:
    """One frame's hold on its connection's handling order, given up once."""

    def __init__(self, order: asyncio.Lock) -> None:
        self.order = order
        self.held = False

    async def take(self) -> None:
        await self.order.acquire()
        self.held = True

    def give_up(self) -> None:
        if self.held:
            self.held = False
            self.order.release()


class GuardedConsumer(AsyncJsonWebsocketConsumer[ReceiveEvent]):
    """chanx's consumer, held to per-connection limits, order and clean exits."""

    # None: the project-wide SOCKET_FRAMES_PER_SECOND / _PER_MINUTE.
    frames_per_second: int | None = None
    frames_per_minute: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # asyncio.Lock wakes its waiters first come, first served, and each
        # frame's task asks for its turn before its first await: tasks start
        # in the order chanx creates them, which is the order frames arrive.
        self.frame_order = asyncio.Lock()
        per_second, per_minute = self.frames_per_second, self.frames_per_minute
        self.frame_limits = RateLimiter(
            "socket-frames",
            [
                Limit(
                    settings.SOCKET_FRAMES_PER_SECOND
                    if per_second is None
                    else per_second,
                    per_seconds=1,
                ),
                Limit(
                    settings.SOCKET_FRAMES_PER_MINUTE
                    if per_minute is None
                    else per_minute,
                    per_seconds=60,
                ),
            ],
            cache=FRAME_COUNTS,
            clock=frame_clock,
        )
        # The frame counts' key: a socket without a channel layer has no
        # channel name.
        self.connection_id = uuid.uuid4().hex
        self.over_limit_logged = False
        self.client_gone = False
        self.not_reading = asyncio.Event()
        self.groups_left = False

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Hand channel-layer events straight to their handler.

        Channels runs Django's ``close_old_connections`` in another thread
        before every message, in case its handler uses the database. Event
        handlers here only forward to the client, and that thread hop was half
        of a server's CPU per delivered broadcast (README, "Load and
        capacity"). The client's own messages (``websocket.*``) keep the check;
        database calls through ``database_sync_to_async`` close old
        connections around each call anyway.
        """
        if message["type"].startswith("websocket."):
            await super().dispatch(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def __call__(
        self, scope: Any, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        try:
            await super().__call__(
                scope, self.receive_unless_dropped(receive), self.bounded(send)
            )
        finally:
            if not self.groups_left:
                # The consumer ended some other way than a handled disconnect.
                await self.leave_groups()

    def bounded(self, send: ASGISendCallable) -> ASGISendCallable:
        """``send``, given up after SOCKET_SEND_TIMEOUT and silent once the client left."""
        timeout = settings.SOCKET_SEND_TIMEOUT

        async def send_or_drop(message: ASGISendEvent) -> None:
            if self.client_gone:
                return
            try:
                # A timer, not wait_for's extra task: this runs for every frame.
                async with asyncio.timeout(timeout):
                    await send(message)
            except TimeoutError:
                await self.drop_reader(send, timeout)
            except OSError:
                # The server's word for a client already gone (uvicorn's
                # ClientDisconnected is one): its disconnect comes next.
                self.client_gone = True
            except RuntimeError:
                # uvicorn's word for a send after the connection has ended,
                # before this consumer has handled its disconnect.
                if message["type"] not in ("websocket.send", "websocket.close"):
                    raise
                self.client_gone = True

        return send_or_drop

    def receive_unless_dropped(
        self, receive: ASGIReceiveCallable
    ) -> ASGIReceiveCallable:
        """``receive``, or a disconnect once the client has been dropped."""
        dropped: WebSocketDisconnectEvent = {
            "type": "websocket.disconnect",
            "code": CLOSE_NOT_READING,
            "reason": "Not reading",
        }

        async def next_message() -> ASGIReceiveEvent:
            if self.not_reading.is_set():
                return dropped
            incoming = asyncio.ensure_future(receive())
            stop = asyncio.ensure_future(self.not_reading.wait())
            try:
                await asyncio.wait(
                    {incoming, stop}, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                # Also when the consumer stops this wait: nothing left behind.
                stop.cancel()
                if not incoming.done():
                    incoming.cancel()
            if not incoming.done():
                return dropped
            message = incoming.result()
            if message["type"] == "websocket.disconnect":
                # Nothing sent from now on could reach the client.
                self.client_gone = True
            return message

        return next_message

    async def drop_reader(self, send: ASGISendCallable, timeout: float) -> None:
        """Stop sending to a client that stopped reading, and let it go."""
        if self.client_gone:
            return
        self.client_gone = True
        logger.warning(
            "Dropped a client of %s that read nothing for %s s (channel %s)",
            self.scope.get("path", "?"),
            timeout,
            getattr(self, "channel_name", "?"),
        )
        # Asked in the background: the close waits behind the unread frames
        # as long as the server lets it, and nothing here needs its answer.
        closing = asyncio.ensure_future(
            asyncio.wait_for(
                send(
                    {
                        "type": "websocket.close",
                        "code": CLOSE_NOT_READING,
                        "reason": "Not reading",
                    }
                ),
                3 * timeout,
            )
        )
        closing.add_done_callback(ignore_outcome)
        # The consumer's own loop sees a disconnect and leaves its groups.
        self.not_reading.set()

    async def websocket_disconnect(self, message: Any) -> None:
        try:
            await super().websocket_disconnect(message)
        except StopConsumer:
            self.groups_left = True
            raise

    async def leave_groups(self) -> None:
        self.groups_left = True
        channel_name = getattr(self, "channel_name", None)
        if channel_name is None:
            return  # ended before it had a channel, so before joining any group
        for group in list(self.groups):
            try:
                await self.channel_layer.group_discard(group, channel_name)
            except LAYER_ERRORS as error:
                report_outage(error)
            except Exception as error:
                logger.warning(
                    "Could not leave group %s: %s: %s",
                    group,
                    type(error).__name__,
                    error,
                )

    async def receive(
        self,
        text_data: str | None = None,
        bytes_data: bytes | None = None,
        **kwargs: Any,
    ) -> None:
        verdict = self.frame_limits.check(self.connection_id)
        if not verdict.allowed:
            await self.refuse_frame(verdict)
            return
        await super().receive(text_data, bytes_data, **kwargs)

    async def refuse_frame(self, verdict: Verdict) -> None:
        """Tell the client its frame was over the limit (log it once per socket)."""
        limit = verdict.refused_by
        allowed = f" ({limit.count} per {limit.period})" if limit else ""
        if not self.over_limit_logged:
            self.over_limit_logged = True
            logger.info(
                "A client of %s sent frames over its limit%s; refusing them",
                self.scope.get("path", "?"),
                allowed,
            )
        await self.send_rate_limited(
            f"Too many messages{allowed}.", verdict.retry_after
        )
        if self.should_send_completion:
            await self.send_message(CompleteMessage())

    async def send_rate_limited(
        self, reason: str, retry_after: int | None = None
    ) -> None:
        """Refuse with code ``rate_limited``; ``retry_after`` when the wait is known."""
        payload: dict[str, Any] = {"code": "rate_limited", "detail": reason}
        if retry_after is not None:
            seconds = f"{retry_after} second{'' if retry_after == 1 else 's'}"
            payload["detail"] = f"{reason} Try again in {seconds}."
            payload["retry_after"] = retry_after
        await self.send_message(ErrorMessage(payload=payload))

    async def handle_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        turn = Turn(self.frame_order)
        await turn.take()
        token = current_turn.set(turn)
        try:
            await super().handle_json(content, **kwargs)
        finally:
            current_turn.reset(token)
            turn.give_up()

    def let_next_frame_in(self) -> None:
        """Let the next frame be handled while this one's handler goes on."""
        turn = current_turn.get()
        if turn is not None:
            turn.give_up()


def ignore_outcome(task: "asyncio.Future[None]") -> None:
    """Collect a background close's outcome: the client is gone either way."""
    if not task.cancelled():
        task.exception()
