"""A WebsocketTestCase that hangs up before each test's event loop ends."""

import functools
import inspect
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from chanx.channels.testing import DjangoWebsocketCommunicator, WebsocketTestCase

AsyncTest = Callable[..., Awaitable[Any]]


class SocketTestCase(WebsocketTestCase):
    """Disconnects every communicator at the end of each async test.

    ``WebsocketTestCase`` disconnects in ``tearDown``, once the test's event
    loop is gone; closing the loop first cancels the consumers still
    connected. On Python 3.11 ``asyncio.wait_for`` can swallow a cancellation
    (fixed in 3.12), and redis-py wraps its socket writes in it: a Redis
    channel layer receive cancelled at that moment never ends, and neither
    does the test run. Hanging up inside the loop lets each consumer stop
    normally, and the short timeout bounds the rare lost cancellation.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, method in list(vars(cls).items()):
            if name.startswith("test") and inspect.iscoroutinefunction(method):
                setattr(cls, name, hanging_up(method))

    def setUp(self) -> None:
        super().setUp()
        self.communicators: list[DjangoWebsocketCommunicator] = []

    def create_communicator(self, **kwargs: Any) -> DjangoWebsocketCommunicator:
        communicator = super().create_communicator(**kwargs)
        self.communicators.append(communicator)
        return communicator

    async def hang_up(self) -> None:
        # Newest first: the Redis layer reads for all of a process's consumers
        # through one of them, usually the oldest. Stopping that one first
        # hands the read to the next, which is then cancelled right inside the
        # write that starts it.
        for communicator in reversed(self.communicators):
            # One refused or already closed has nothing left to stop.
            with suppress(Exception):
                await communicator.disconnect(timeout=0.1)


def hanging_up(test: AsyncTest) -> AsyncTest:
    @functools.wraps(test)
    async def run(self: SocketTestCase, *args: Any, **kwargs: Any) -> Any:
        try:
            return await test(self, *args, **kwargs)
        finally:
            await self.hang_up()

    return run
