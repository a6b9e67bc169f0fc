"""The checks every socket must pass, mixed in before ``SocketTestCase``, and
helpers the proofs share."""

import re
from typing import TYPE_CHECKING, Any, cast

from channels.layers import InMemoryChannelLayer, get_channel_layer
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage

from core.apps import realtime_apps
from core.consumers import RealtimeConsumer
from core.tests.sockets import REPLY_TIMEOUT, SocketTestCase, fresh_counts

# What a page served by this project sends as its Origin in the tests.
ALLOWED_ORIGIN = b"http://localhost"


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
        consumer = cast(type[RealtimeConsumer[Any]], self.consumer)
        per_minute = consumer.frames_per_minute or 2
        with fresh_counts(SOCKET_FRAMES_PER_MINUTE=2):
            await self.auth_communicator.connect()
            for _ in range(per_minute):
                await self.assert_still_answers_ping()
            await self.auth_communicator.send_message(PingMessage())
            replies = await self.auth_communicator.receive_all_messages(
                timeout=REPLY_TIMEOUT
            )

        assert len(replies) == 1
        refusal = cast(ErrorMessage, replies[0])
        assert refusal.payload["code"] == "rate_limited"
        assert 1 <= refusal.payload["retry_after"] <= 60

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
