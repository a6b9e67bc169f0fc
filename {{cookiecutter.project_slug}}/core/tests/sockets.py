"""The socket-test toolkit: chanx's test case, hanging up inside each test."""

import inspect
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from chanx.channels.testing import DjangoWebsocketCommunicator, WebsocketTestCase
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from django.test import override_settings

# chanx waits one second for a reply; a busy machine may need longer, and a
# longer wait costs nothing once the reply's completion frame has come.
REPLY_TIMEOUT = 5.0
AsyncTest = Callable[..., Awaitable[Any]]


def fresh_counts(**limits: Any) -> override_settings:
    """These settings, with rate limits counted from zero, apart from other tests."""
    return override_settings(RATE_LIMITS_KEY_PREFIX=uuid.uuid4().hex, **limits)


class SocketTestCase(WebsocketTestCase):
    """``WebsocketTestCase`` that hangs up before the test's event loop ends: chanx
    2.13.0 disconnects in ``tearDown``, after the loop closed, which may leave a
    Redis layer bound to the dead loop. So each consumer stops as in production."""

    def __init__(self, methodName: str = "runTest") -> None:
        super().__init__(methodName)
        test = getattr(self, methodName, None)
        if test is not None and inspect.iscoroutinefunction(test):
            setattr(self, methodName, self.hanging_up(test))

    def hanging_up(self, test: AsyncTest) -> AsyncTest:
        async def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return await test(*args, **kwargs)
            finally:
                # Newest first: the oldest consumer often reads for the others.
                for communicator in reversed(self._communicators):
                    with suppress(Exception):  # one refused has nothing to stop
                        await communicator.disconnect(timeout=REPLY_TIMEOUT)
                self._communicators.clear()

        return run

    async def assert_still_answers_ping(
        self, communicator: DjangoWebsocketCommunicator | None = None
    ) -> None:
        communicator = communicator or self.auth_communicator
        await communicator.send_message(PingMessage())
        replies = await communicator.receive_all_messages(timeout=REPLY_TIMEOUT)
        assert replies == [PongMessage()]
