"""A room whose Redis does not answer is closed with a reason the page shows."""

from django.test import override_settings

from chat.consumers.chat_consumer import ChatConsumer
from core.outage import CLOSE_TRY_AGAIN_LATER, LAYER_UNAVAILABLE
from core.tests.processes import free_port
from core.tests.sockets import REPLY_TIMEOUT, SocketTestCase


def unreachable_redis_layer() -> dict[str, object]:
    address = f"redis://127.0.0.1:{free_port()}/0"
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": address}]},
        }
    }


class ChatWithoutRedisTestCase(SocketTestCase):
    consumer = ChatConsumer
    ws_path = "/ws/chat/lobby/"

    async def test_a_room_that_cannot_be_joined_is_closed_with_a_reason(self) -> None:
        with override_settings(CHANNEL_LAYERS=unreachable_redis_layer()):
            connected, _ = await self.auth_communicator.connect()
            closing = await self.auth_communicator.receive_output(REPLY_TIMEOUT)

        # Answered, not failed: the page hears why and tries again later.
        assert connected
        assert closing == {
            "type": "websocket.close",
            "code": CLOSE_TRY_AGAIN_LATER,
            "reason": LAYER_UNAVAILABLE,
        }
