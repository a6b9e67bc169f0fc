"""The socket-test toolkit: one test base and the checks every socket must pass.

Every app's socket tests build on ``SocketTestCase``; ``SocketChecks`` holds the
behaviour all of this project's sockets share, mixed in before the base.
"""

import inspect
import re
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, cast
from unittest.mock import patch

from channels.layers import InMemoryChannelLayer, get_channel_layer
from chanx.channels.testing import DjangoWebsocketCommunicator, WebsocketTestCase
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage
from django.test import override_settings

from core.apps import realtime_apps
from core.consumers import GuardedConsumer

AsyncTest = Callable[..., Awaitable[Any]]

# What a page served by this project sends as its Origin in the tests.
ALLOWED_ORIGIN = b"http://localhost"

# How long to wait for a reply that ends in a completion frame. chanx's one
# second is short on a busy machine; a longer wait costs nothing when the
# reply comes, as reading stops at that frame.
REPLY_TIMEOUT = 5.0

# How long a consumer may take to stop after its client hangs up; one still
# running when the test's loop closes leaves the layer bound to that loop.
HANG_UP_TIMEOUT = 5.0


class SocketTestCase(WebsocketTestCase):
    """``WebsocketTestCase`` that hangs up inside each test's own event loop.

    chanx disconnects in ``tearDown``, after the test's loop has closed, so
    consumers are cancelled while they still wait on the channel layer. With
    Redis that leaves the layer's state bound to a dead loop (channels-redis'
    core layer then fails the next test with "bound to a different event
    loop"), consumers never leave their groups, and on Python 3.11 a cancelled
    Redis read can hang. Disconnecting before the loop ends lets each consumer
    leave its groups and stop normally.
    """

    def __init__(self, methodName: str = "runTest") -> None:
        super().__init__(methodName)
        test = getattr(self, methodName, None)
        if test is not None and inspect.iscoroutinefunction(test):
            setattr(self, methodName, self._hanging_up(test))

    def _hanging_up(self, test: AsyncTest) -> AsyncTest:
        async def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return await test(*args, **kwargs)
            finally:
                await self.hang_up()

        return run

    async def hang_up(self) -> None:
        # Newest first: the Redis layer reads for all of a process's consumers
        # through one of them, usually the oldest; stopping it last keeps the
        # others from taking over a read that is about to be cancelled.
        communicators: list[DjangoWebsocketCommunicator] = self._communicators
        for communicator in reversed(communicators):
            # One refused or already closed has nothing left to stop.
            with suppress(Exception):
                await communicator.disconnect(timeout=HANG_UP_TIMEOUT)
        communicators.clear()

    async def assert_still_answers_ping(
        self, communicator: DjangoWebsocketCommunicator | None = None
    ) -> None:
        communicator = communicator or self.auth_communicator
        await communicator.send_message(PingMessage())
        replies = await communicator.receive_all_messages(timeout=REPLY_TIMEOUT)
        assert replies == [PongMessage()]


if TYPE_CHECKING:
    _Checks = SocketTestCase
else:
    _Checks = object


class SocketChecks(_Checks):
    """What every socket of this project does, whatever its app.

    Mix in before ``SocketTestCase`` and set ``consumer`` and ``ws_path``.
    """

    async def test_malformed_json_is_answered_with_an_error(self) -> None:
        await self.auth_communicator.connect()

        await self.auth_communicator.send_to(text_data="{not json")

        # A frame that is not JSON gets an error and no completion frame.
        messages = await self.auth_communicator.receive_all_messages(
            stop_action="error", timeout=REPLY_TIMEOUT
        )
        assert len(messages) == 1
        assert isinstance(messages[0], ErrorMessage)
        await self.assert_still_answers_ping()

    async def test_unknown_action_is_answered_with_an_error(self) -> None:
        await self.auth_communicator.connect()

        await self.auth_communicator.send_json_to({"action": "reboot", "payload": 1})

        messages = await self.auth_communicator.receive_all_messages(
            timeout=REPLY_TIMEOUT
        )
        assert len(messages) == 1
        assert isinstance(messages[0], ErrorMessage)
        await self.assert_still_answers_ping()

    async def test_frames_over_the_socket_limit_are_refused(self) -> None:
        consumer = cast(type[GuardedConsumer[Any]], self.consumer)
        per_second = consumer.frames_per_second or 2
        with (
            patch("core.consumers.frame_clock", return_value=1_000_000.0),
            override_settings(SOCKET_FRAMES_PER_SECOND=2),
        ):
            await self.auth_communicator.connect()
            for _ in range(per_second):
                await self.assert_still_answers_ping()
            await self.auth_communicator.send_message(PingMessage())
            replies = await self.auth_communicator.receive_all_messages(
                timeout=REPLY_TIMEOUT
            )

        assert len(replies) == 1
        refusal = cast(ErrorMessage, replies[0])
        assert refusal.payload["code"] == "rate_limited"
        assert refusal.payload["retry_after"] == 1

    async def test_a_page_of_this_site_connects(self) -> None:
        communicator = self.create_communicator(
            headers=[(b"origin", ALLOWED_ORIGIN), *self.ws_headers]
        )

        connected, _ = await communicator.connect()

        assert connected
        await self.assert_still_answers_ping(communicator)


def first_socket_path() -> str | None:
    """A real socket of this project, with a sample value for each URL parameter."""
    configs = realtime_apps()
    if not configs:
        return None
    return re.sub(r"<[^>]+>", "probe", configs[0].socket_path)


async def group_size(group: str) -> int:
    """How many channels the channel layer holds in ``group`` right now."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        return len(layer.groups.get(group, {}))
    # Here, not at the top: only a run with Redis pays for importing its client.
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer

    if isinstance(layer, RedisChannelLayer):
        connection = layer.connection(layer.consistent_hash(group))
        return int(await connection.zcard(layer._group_key(group)))
    if isinstance(layer, RedisPubSubChannelLayer):
        # Members are this process's: Redis only knows the process subscribed.
        local = layer._get_layer()
        return len(local.groups.get(local._get_group_channel_name(group), set()))
    raise TypeError(f"cannot count the members of {type(layer).__name__}'s groups")
