"""RealtimeConsumer's promises, edge by edge: limits, order, membership, slow readers."""

import asyncio
import logging
from typing import Any, Literal, cast

from asgiref.typing import ASGISendEvent
from channels.layers import get_channel_layer
from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage
from django.test import override_settings
from uvicorn.protocols.utils import ClientDisconnected

from core.consumers import RealtimeConsumer
from core.tests.checks import group_size
from core.tests.sockets import REPLY_TIMEOUT, SocketTestCase, fresh_counts

GROUP = "guarded-probe"
BURST = 20


class EchoMessage(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: int


class EchoedMessage(BaseMessage):
    action: Literal["echoed"] = "echoed"
    payload: int


class LongMessage(BaseMessage):
    action: Literal["long"] = "long"
    payload: str = ""


class LongDoneMessage(BaseMessage):
    action: Literal["long_done"] = "long_done"
    payload: str = ""


class Probe(RealtimeConsumer):
    """A socket whose handlers make order and turns visible."""

    groups = [GROUP]  # noqa: RUF012
    release = asyncio.Event()

    @ws_handler
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(output_type=EchoedMessage)
    async def handle_echo(self, message: EchoMessage) -> EchoedMessage:
        # Later frames wait less: run side by side, they would answer first.
        await asyncio.sleep((BURST - message.payload) * 0.003)
        return EchoedMessage(payload=message.payload)

    @ws_handler(output_type=LongDoneMessage)
    async def handle_long(self, _message: LongMessage) -> LongDoneMessage:
        self.let_next_frame_in()
        await Probe.release.wait()
        return LongDoneMessage()


class StrictProbe(Probe):
    frames_per_second = 2
    frames_per_minute = 3


async def broadcast(message: BaseMessage) -> None:
    """What chanx's ``broadcast_message`` sends, from outside any consumer."""
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send(
        GROUP,
        {
            "type": "handle_group_message",
            "message": message.model_dump(mode="json"),
            "exclude_current": False,
            "from_channel": "",
        },
    )


class RealtimeConsumerTestCase(SocketTestCase):
    consumer = Probe
    ws_path = "/ws/probe/"

    def setUp(self) -> None:
        super().setUp()
        self.router = Probe.as_asgi()
        self.enterContext(fresh_counts())

    async def replies(self, communicator: Any = None) -> list[BaseMessage]:
        communicator = communicator or self.auth_communicator
        return cast(
            list[BaseMessage],
            await communicator.receive_all_messages(timeout=REPLY_TIMEOUT),
        )

    @override_settings(SOCKET_FRAMES_PER_SECOND=3, SOCKET_FRAMES_PER_MINUTE=100)
    async def test_frames_over_the_burst_are_refused_and_the_socket_goes_on(
        self,
    ) -> None:
        await self.auth_communicator.connect()
        same_client = self.create_communicator()
        await same_client.connect()
        other_client = self.create_communicator()
        other_client.scope["client"] = ("203.0.113.9", 50000)
        await other_client.connect()

        for communicator in (self.auth_communicator, same_client, same_client):
            await communicator.send_message(PingMessage())
            assert await self.replies(communicator) == [PongMessage()]
        await self.auth_communicator.send_message(PingMessage())
        refused = await self.replies()

        assert len(refused) == 1
        error = cast(ErrorMessage, refused[0])
        assert error.payload["code"] == "rate_limited"
        assert error.payload["retry_after"] == 1
        assert "3 per second" in error.payload["detail"]
        # Another client has counts of its own.
        await other_client.send_message(PingMessage())
        assert await self.replies(other_client) == [PongMessage()]
        # The next second, the client is heard again.
        await asyncio.sleep(1.1)
        await self.assert_still_answers_ping()

    @override_settings(SOCKET_FRAMES_PER_SECOND=100, SOCKET_FRAMES_PER_MINUTE=2)
    async def test_frames_over_the_rate_are_refused_until_the_minute_ends(
        self,
    ) -> None:
        await self.auth_communicator.connect()

        for _ in range(2):
            await self.auth_communicator.send_message(PingMessage())
            await self.replies()
        await self.auth_communicator.send_message(PingMessage())
        error = cast(ErrorMessage, (await self.replies())[0])

        assert error.payload["code"] == "rate_limited"
        assert 1 <= error.payload["retry_after"] <= 60
        assert "2 per minute" in error.payload["detail"]

    async def test_a_consumer_class_sets_its_own_limits(self) -> None:
        communicator = self.create_communicator(router=StrictProbe.as_asgi())
        await communicator.connect()

        for _ in range(2):
            await communicator.send_message(PingMessage())
            assert await self.replies(communicator) == [PongMessage()]
        await communicator.send_message(PingMessage())
        error = cast(ErrorMessage, (await self.replies(communicator))[0])

        assert "2 per second" in error.payload["detail"]

    async def test_a_burst_is_handled_in_the_order_it_arrived(self) -> None:
        await self.auth_communicator.connect()

        for number in range(BURST):
            await self.auth_communicator.send_message(EchoMessage(payload=number))
        answers = [
            (await self.auth_communicator.receive_json_from(REPLY_TIMEOUT))
            for _ in range(2 * BURST)
        ]

        echoed = [a["payload"] for a in answers if a["action"] == "echoed"]
        assert echoed == list(range(BURST))
        # Each answer is followed by its own completion frame.
        assert [a["action"] for a in answers] == ["echoed", "complete"] * BURST

    async def test_a_long_handler_lets_the_next_frames_in(self) -> None:
        Probe.release.clear()
        await self.auth_communicator.connect()

        await self.auth_communicator.send_message(LongMessage())
        await self.assert_still_answers_ping()
        Probe.release.set()

        assert await self.replies() == [LongDoneMessage()]


class MembershipTestCase(SocketTestCase):
    """Groups are left however a connection ends, driven through raw ASGI calls."""

    consumer = Probe
    ws_path = "/ws/probe/"

    def scope(self) -> dict[str, Any]:
        return {
            "type": "websocket",
            "path": self.ws_path,
            "headers": [],
            "query_string": b"",
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }

    async def connected(
        self, send: Any, members: int = 1
    ) -> "tuple[asyncio.Queue[dict[str, Any]], asyncio.Future[None]]":
        """A probe consumer run on ``send``, once it is one of ``members``."""
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await inbox.put({"type": "websocket.connect"})
        probe: Any = Probe.as_asgi()
        app = asyncio.ensure_future(probe(self.scope(), inbox.get, send))
        for _ in range(200):
            if await group_size(GROUP) == members:
                break
            await asyncio.sleep(0.01)
        assert await group_size(GROUP) == members
        return inbox, app

    async def test_a_send_to_a_client_already_gone_still_leaves_the_groups(
        self,
    ) -> None:
        async def send(message: ASGISendEvent) -> None:
            if message["type"] == "websocket.send":
                raise ClientDisconnected()

        inbox, app = await self.connected(send)

        # Before it reads the disconnect, the consumer tries to forward this.
        await broadcast(PongMessage())
        await asyncio.sleep(0.05)
        await inbox.put({"type": "websocket.disconnect", "code": 1006})
        await asyncio.wait_for(app, REPLY_TIMEOUT)

        assert await group_size(GROUP) == 0

    async def test_a_connection_ended_by_an_error_still_leaves_the_groups(
        self,
    ) -> None:
        async def send(message: ASGISendEvent) -> None:
            pass

        inbox, app = await self.connected(send)
        await inbox.put({"type": "websocket.bogus"})

        with self.assertRaises(ValueError):
            await asyncio.wait_for(app, REPLY_TIMEOUT)
        assert await group_size(GROUP) == 0

    @override_settings(SOCKET_SEND_TIMEOUT=0.2)
    async def test_a_reader_that_stops_reading_is_dropped_with_one_warning(
        self,
    ) -> None:
        sent: list[ASGISendEvent] = []

        async def send(message: ASGISendEvent) -> None:
            sent.append(message)
            if message["type"] == "websocket.send":
                # A full TCP buffer: the server waits for it to drain.
                await asyncio.Event().wait()

        reader = self.create_communicator(router=Probe.as_asgi())
        connected, _ = await reader.connect()
        assert connected
        _inbox, app = await self.connected(send, members=2)

        with self.assertLogs("core.consumers", logging.WARNING) as logs:
            for number in range(5):
                await broadcast(EchoedMessage(payload=number))
                # The reader that reads gets every one of them, at once.
                echoed = await reader.receive_all_messages(
                    stop_action="echoed", timeout=REPLY_TIMEOUT
                )
                assert echoed == [EchoedMessage(payload=number)]
            await asyncio.wait_for(app, REPLY_TIMEOUT)

        assert len(logs.records) == 1
        assert "read nothing for 0.2 s" in logs.records[0].getMessage()
        assert any(message["type"] == "websocket.close" for message in sent)
        assert await group_size(GROUP) == 1
