"""Layer events skip Channels' per-message database check; client messages keep it."""

import asyncio
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest

from core.consumers import RealtimeConsumer


class RecordingConsumer(RealtimeConsumer):
    def __init__(self) -> None:
        super().__init__()
        self.handled: list[str] = []

    async def websocket_receive(self, message: Any) -> None:
        self.handled.append(message["type"])

    async def room_broadcast(self, message: dict[str, Any]) -> None:
        self.handled.append(message["type"])


def dispatch(message: dict[str, Any]) -> tuple[list[str], AsyncMock]:
    consumer = RecordingConsumer()
    with patch(
        "channels.consumer.aclose_old_connections", new_callable=AsyncMock
    ) as check:
        asyncio.run(consumer.dispatch(message))
    return consumer.handled, check


def test_a_layer_event_reaches_its_handler_without_the_check() -> None:
    handled, check = dispatch({"type": "room.broadcast"})

    assert handled == ["room.broadcast"]
    check.assert_not_awaited()


def test_a_client_message_keeps_the_check() -> None:
    handled, check = dispatch({"type": "websocket.receive", "text": "{}"})

    assert handled == ["websocket.receive"]
    check.assert_awaited_once()


def test_an_event_without_a_handler_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"No handler for message type no\.handler"):
        dispatch({"type": "no.handler"})
