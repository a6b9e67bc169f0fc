"""What every socket of a bake promises (core.consumers.RealtimeConsumer), shown
on a probe socket; moved from the bake to keep it small. The edge cases are in
test_consumers.py."""

import asyncio
import logging
from typing import Any, Literal

from channels.auth import AuthMiddlewareStack
from channels.layers import get_channel_layer
from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage
from django.contrib.auth.models import User
from django.test import override_settings

from core.consumers import RealtimeConsumer
from core.sessions import user_group_name
from core.tests.sessions import signed_in_headers
from core.tests.sockets import REPLY_TIMEOUT, SocketTestCase, fresh_counts


class SlowMessage(BaseMessage):
    action: Literal["slow"] = "slow"
    payload: float


class Probe(RealtimeConsumer):
    @ws_handler
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(output_type=SlowMessage)
    async def handle_slow(self, message: SlowMessage) -> SlowMessage:
        if message.payload < 0:  # a long handler that lets the next frames in
            self.let_next_frame_in()
        await asyncio.sleep(abs(message.payload))
        return SlowMessage(payload=message.payload)  # when done


class RealtimeConsumerTestCase(SocketTestCase):
    consumer = Probe
    router = AuthMiddlewareStack(Probe.as_asgi())
    ws_path = "/ws/probe/"

    async def actions(self, count: int) -> list[Any]:
        receive = self.auth_communicator.receive_json_from
        frames = [await receive(REPLY_TIMEOUT) for _ in range(count)]
        return [(frame["action"], frame["payload"]) for frame in frames]

    async def test_frames_are_handled_in_the_order_they_came(self) -> None:
        await self.auth_communicator.connect()
        for seconds in (0.05, 0.0):  # side by side, the second would finish first
            await self.auth_communicator.send_message(SlowMessage(payload=seconds))
        done = [reply for reply in await self.actions(4) if reply[0] == "slow"]
        assert done == [("slow", 0.05), ("slow", 0.0)]

    async def test_a_long_handler_lets_the_next_frames_in(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.send_message(SlowMessage(payload=-0.5))
        await self.assert_still_answers_ping()
        assert await self.actions(2) == [("slow", -0.5), ("complete", None)]

    async def test_frames_count_per_client_over_all_its_sockets(self) -> None:
        self.enterContext(fresh_counts(SOCKET_FRAMES_PER_MINUTE=2))
        await self.auth_communicator.connect()
        second_socket = self.create_communicator()
        await second_socket.connect()
        await self.assert_still_answers_ping()
        await self.assert_still_answers_ping(second_socket)
        await second_socket.send_message(PingMessage())
        [refusal] = await second_socket.receive_all_messages(timeout=REPLY_TIMEOUT)
        assert isinstance(refusal, ErrorMessage)
        assert refusal.payload["code"] == "rate_limited"
        assert 1 <= refusal.payload["retry_after"] <= 60

    async def test_one_group_send_reaches_every_socket_of_a_user(self) -> None:
        headers = await signed_in_headers("ada")
        sockets = [self.create_communicator(headers=headers) for _ in range(2)]
        for socket in sockets:
            await socket.connect()
            await self.assert_still_answers_ping(socket)  # signed in, in the group
        ada = await User.objects.aget(username="ada")
        layer = get_channel_layer()
        assert layer is not None
        message = PongMessage().model_dump(mode="json")
        await layer.group_send(
            user_group_name(ada.pk),
            {"type": "handle_group_message", "message": message}
            | {"exclude_current": False, "from_channel": ""},
        )
        for socket in sockets:
            replies = await socket.receive_all_messages(stop_action="group_complete")
            assert replies == [PongMessage()]

    @override_settings(SOCKET_SEND_TIMEOUT=0.2)
    async def test_a_client_that_stops_reading_is_dropped(self) -> None:
        async def stuck(message: Any) -> None:
            if message["type"] == "websocket.send":
                await asyncio.Event().wait()  # a full TCP buffer

        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await inbox.put({"type": "websocket.connect"})
        await inbox.put({"type": "websocket.receive", "text": '{"action": "ping"}'})
        scope: Any = {"type": "websocket", "path": self.ws_path, "headers": []}
        receive: Any = inbox.get
        with self.assertLogs("core.consumers", logging.WARNING) as logs:
            await asyncio.wait_for(Probe.as_asgi()(scope, receive, stuck), 5)
        assert "read nothing for 0.2 s" in logs.records[0].getMessage()
