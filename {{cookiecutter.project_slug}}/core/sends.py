"""Sends to one client: dropped once it has gone, and the client dropped once it
stops reading (its sends wait: its buffers are full). Each send stamps the time
and one check per ``timeout`` looks whether sends moved, not a timer per frame."""

import asyncio
import logging
from typing import Any

from asgiref.typing import ASGISendCallable, ASGISendEvent, WebSocketCloseEvent

logger = logging.getLogger("core.consumers")

CLOSE_NOT_READING = 1008  # policy violation


class GuardedSend:
    """An ASGI ``send`` for one connection, run in the task that serves it."""

    def __init__(self, send: ASGISendCallable, timeout: float, scope: Any) -> None:
        self.send, self.timeout, self.scope = send, timeout, scope
        self.loop = asyncio.get_running_loop()
        self.main_task = asyncio.current_task()
        self.gone = self.dropped = False
        self.sending: set[asyncio.Task[Any] | None] = set()
        self.moved_at = 0.0
        self.check: asyncio.TimerHandle | None = None

    async def __call__(self, message: ASGISendEvent) -> None:
        if self.gone:
            return
        task = asyncio.current_task()
        if not self.sending:
            self.moved_at = self.loop.time()
        self.sending.add(task)
        if self.check is None:
            self.check = self.loop.call_later(self.timeout, self.check_moving)
        try:
            await self.send(message)
        except OSError:  # the server's word for a client gone (uvicorn's too)
            self.gone = True
        except RuntimeError:  # uvicorn's, for a send after the connection ended
            if message["type"] not in ("websocket.send", "websocket.close"):
                raise
            self.gone = True
        finally:
            self.sending.discard(task)
            self.moved_at = self.loop.time()

    def check_moving(self) -> None:
        """Drop the client if its sends have not moved for ``timeout`` seconds."""
        self.check = None
        if self.gone or not self.sending:
            return
        still = self.loop.time() - self.moved_at
        if still < self.timeout:
            self.check = self.loop.call_later(self.timeout - still, self.check_moving)
            return
        path = self.scope.get("path", "?")
        logger.warning(
            "Dropped a client of %s that read nothing for %s s", path, self.timeout
        )
        self.gone = self.dropped = True
        # The close waits behind the unread frames for as long as the server lets it.
        close = self.send(
            WebSocketCloseEvent(
                type="websocket.close", code=CLOSE_NOT_READING, reason="Not reading"
            )
        )
        closing = asyncio.ensure_future(asyncio.wait_for(close, 3 * self.timeout))
        closing.add_done_callback(lambda done: done.cancelled() or done.exception())
        # The consumer's own task ends (leaving its groups), and so do stuck sends.
        for task in {*self.sending, self.main_task} - {None}:
            task.cancel()  # type: ignore[union-attr]
