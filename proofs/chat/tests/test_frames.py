"""Frame limits of the documented server command, against a real server.

The server runs the Dockerfile's command (core.tests.servers); the room shows
that a refused frame costs no one else anything. The limits are the server's,
the same whatever the app; chat is where a second member can watch.
"""

import asyncio
import json
import secrets

import pytest
from annotated_types import MaxLen
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from chat.messages import ChatMessagePayload
from core.tests.processes import HOST
from core.tests.servers import Server, documented_server_command

TIMEOUT = 30.0
# One character that JSON may spell as two escapes of six bytes each.
ESCAPED_ASTRAL = "\\ud83d\\ude00"
# Highly compressible: a megabyte of it deflates to about a kilobyte.
INFLATED_SIZE = 2**20


def frame_limit() -> int:
    command = documented_server_command(0)
    return int(command[command.index("--ws-max-size") + 1])


@pytest.fixture
def port(documented_server: Server) -> int:
    return documented_server.port


async def join(
    port: int, room: str, compression: str | None = None
) -> ClientConnection:
    return await connect(
        f"ws://{HOST}:{port}/ws/chat/{room}/",
        origin=Origin(f"http://{HOST}:{port}"),
        open_timeout=TIMEOUT,
        compression=compression,
        # Room for the frames this module sends back to itself.
        max_size=INFLATED_SIZE * 2,
    )


def padded_chat_frame(size: int) -> str:
    """A valid chat frame of exactly ``size`` bytes (JSON allows the spaces)."""
    frame = '{"action": "new_chat_message", "payload": {"message": "hi", "name": "x"}}'
    return frame[:-1] + " " * (size - len(frame)) + "}"


async def next_chat_message(websocket: ClientConnection) -> str:
    async with asyncio.timeout(TIMEOUT):
        while True:
            frame = json.loads(await websocket.recv())
            if frame["action"] == "new_chat_message":
                return str(frame["payload"]["message"])


async def assert_closed_for_size(websocket: ClientConnection) -> None:
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(TIMEOUT):
            while True:
                await websocket.recv()
    assert websocket.close_code == 1009, websocket.close_reason


def test_the_largest_valid_message_fits_in_a_frame(port: int) -> None:
    """The longest chat message, every character escaped as long as JSON allows."""
    [longest] = [
        rule.max_length
        for rule in ChatMessagePayload.model_fields["message"].metadata
        if isinstance(rule, MaxLen)
    ]
    message = ESCAPED_ASTRAL * longest
    frame = '{"action": "new_chat_message", "payload": {"message": "%s", "name": "x"}}'

    async def scenario() -> None:
        room = f"frames-{secrets.token_hex(4)}"
        sender, listener = await asyncio.gather(join(port, room), join(port, room))
        async with sender, listener:
            await sender.send(frame % message)

            assert await next_chat_message(listener) == "\U0001f600" * longest

    assert len(frame % message) <= frame_limit()
    asyncio.run(scenario())


def test_a_frame_over_the_limit_is_closed_and_everyone_else_carries_on(
    port: int,
) -> None:
    limit = frame_limit()

    async def scenario() -> None:
        room = f"frames-{secrets.token_hex(4)}"
        offender, bystander = await asyncio.gather(join(port, room), join(port, room))
        async with offender, bystander:
            await offender.send(padded_chat_frame(limit))
            assert await next_chat_message(bystander) == "hi"

            await offender.send(padded_chat_frame(limit + 1))
            await assert_closed_for_size(offender)

            async with await join(port, room) as newcomer:
                await bystander.send(padded_chat_frame(100))
                assert await next_chat_message(newcomer) == "hi"

    asyncio.run(scenario())


def test_a_compressed_frame_is_held_to_the_limit_once_inflated(port: int) -> None:
    async def scenario() -> None:
        room = f"frames-{secrets.token_hex(4)}"
        offender = await join(port, room, compression="deflate")
        async with offender, await join(port, room) as bystander:
            assert offender.response is not None
            extensions = offender.response.headers.get("Sec-WebSocket-Extensions", "")
            assert "permessage-deflate" in extensions

            await offender.send(padded_chat_frame(INFLATED_SIZE))
            await assert_closed_for_size(offender)

            async with await join(port, room) as newcomer:
                await bystander.send(padded_chat_frame(100))
                assert await next_chat_message(newcomer) == "hi"

    asyncio.run(scenario())
