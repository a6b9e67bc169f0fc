"""Budgets per user and per address, not per socket; a check of Redis that a busy
loop does not fool; honest logs of a foreign ``Host``."""

import asyncio
import logging
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest
from channels.auth import AuthMiddlewareStack
from chanx.core.decorators import ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from django.contrib.sessions.models import Session
from django.test import Client

from core.consumers import RealtimeConsumer
from core.outage import MISSES, NO_CHANNEL_LAYER, RedisOutage
from core.tests.sessions import signed_in_headers
from core.tests.sockets import REPLY_TIMEOUT, SocketTestCase, fresh_counts


class Pinged(RealtimeConsumer):
    @ws_handler
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        return PongMessage()


class SocketBudgetTestCase(SocketTestCase):
    consumer = Pinged
    ws_path = "/ws/pinged/"

    def setUp(self) -> None:
        super().setUp()
        self.router = AuthMiddlewareStack(Pinged.as_asgi())

    async def opened(self, headers: list[tuple[bytes, bytes]], host: str) -> Any:
        communicator = self.create_communicator(headers=headers)
        communicator.scope["client"] = (host, 50000)
        connected, _ = await communicator.connect()
        assert connected  # accepted, then maybe closed with a reason
        return communicator

    async def closed_with(self, communicator: Any) -> tuple[int, str] | None:
        """The close code and reason, if the socket was closed at once."""
        output = await communicator.receive_output(timeout=1)
        if output["type"] != "websocket.close":
            return None
        return output["code"], output.get("reason", "")

    async def test_sockets_count_per_user_and_per_address(self) -> None:
        ada = await signed_in_headers("ada")
        with fresh_counts(SOCKETS_PER_USER=2, SOCKETS_PER_ADDRESS=3):
            # Two of ada's sockets, from two addresses: her third is refused.
            first = await self.opened(ada, "203.0.113.1")
            await self.opened(ada, "203.0.113.2")
            third = await self.opened(ada, "203.0.113.3")
            assert await self.closed_with(third) == (
                4429,
                "Too many open sockets (2 per user). Close one first.",
            )
            # One address: ada's socket and two visitors' fill it.
            await self.opened([], "203.0.113.1")
            await self.opened([], "203.0.113.1")
            over = await self.opened([], "203.0.113.1")
            assert (await self.closed_with(over) or (0,))[0] == 4429
            # A closed socket gives its place back, to the user and the address.
            await first.disconnect()
            again = await self.opened(ada, "203.0.113.4")
            await again.send_message(PingMessage())
            assert await again.receive_all_messages() == [PongMessage()]


class Layerless(Pinged):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel_layer_alias = NO_CHANNEL_LAYER


class LayerlessSessionTestCase(SocketTestCase):
    consumer = Layerless
    ws_path = "/ws/layerless/"

    def setUp(self) -> None:
        super().setUp()
        self.router = AuthMiddlewareStack(Layerless.as_asgi())

    async def test_a_socket_without_a_layer_ends_with_its_session(self) -> None:
        communicator = self.create_communicator(headers=await signed_in_headers("ada"))
        await communicator.connect()
        await communicator.send_message(PingMessage())
        assert await communicator.receive_all_messages() == [PongMessage()]

        await Session.objects.all().adelete()  # signed out, wherever
        await communicator.send_message(PingMessage())

        output = await communicator.receive_output(timeout=REPLY_TIMEOUT)
        assert (output["type"], output["code"]) == ("websocket.close", 4401)


@pytest.fixture
def quick_pings() -> Iterator[None]:
    with (
        patch("core.outage.WATCH_INTERVAL", 0.01),
        patch("core.outage.PROBE_INTERVAL", 0.01),
    ):
        yield


def silenced_after(answers: list[bool]) -> bool:
    """Whether a watched socket is told of an outage after these ping answers."""
    replies = iter(answers)
    told = asyncio.Event()

    async def redis_answers(url: str) -> bool:
        return next(replies, True)

    async def on_silence() -> None:
        told.set()

    async def watch() -> bool:
        outage = RedisOutage("redis://127.0.0.1:1/0")
        outage.keep_watch("socket", on_silence)
        await asyncio.sleep(0.01 * (len(answers) + 5))
        outage.forget("socket")
        assert outage.pinging is not None
        await asyncio.wait_for(outage.pinging, timeout=5)
        return told.is_set()

    with patch("core.health.redis_answers", redis_answers):
        return asyncio.run(watch())


@pytest.mark.usefixtures("quick_pings")
def test_a_missed_ping_or_two_is_no_outage() -> None:
    assert not silenced_after([False] * (MISSES - 1) + [True, False])


@pytest.mark.usefixtures("quick_pings")
def test_pings_missed_in_a_row_are_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "core.outage"):
        assert silenced_after([False] * MISSES)
    assert "Redis does not answer" in caplog.text


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.django_db
def test_a_foreign_host_costs_one_warning_without_a_traceback() -> None:
    kept = Kept()
    logger = logging.getLogger("django.security.DisallowedHost")
    logger.addHandler(kept)
    try:
        response = Client().get("/", HTTP_HOST="evil.example")
    finally:
        logger.removeHandler(kept)

    assert response.status_code == 400
    [record] = kept.records
    assert record.levelname == "WARNING"
    assert record.exc_info is None
    assert "evil.example" in record.getMessage()
