"""Chat under load, against two production servers that share Redis.

Collected only with ``REDIS_URL`` set (see conftest.py). Both servers run the
Dockerfile's command; every socket is a real ``websockets`` client on
127.0.0.1, and every loop is bounded in count and time. Nothing here is
timed: throughput and latency are the ``loadtest`` command's job.
"""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from chat.tests.rooms import chat_frame, join, new_room
from core.tests.servers import production_environment, running_servers

pytestmark = pytest.mark.redis_processes

# Generous, for a busy machine: a failure, not slowness, is what is tested.
DELIVERY_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[int]]:
    """Two server processes, as behind a load balancer."""
    with running_servers(2, tmp_path_factory.mktemp("servers")) as started:
        yield [server.port for server in started]


async def next_chat_payload(websocket: ClientConnection) -> dict[str, Any]:
    """The payload of the next chat message, skipping other frames."""
    async with asyncio.timeout(DELIVERY_TIMEOUT):
        while True:
            frame = json.loads(await websocket.recv())
            if frame["action"] == "new_chat_message":
                return dict(frame["payload"])


async def close_all(sockets: list[ClientConnection]) -> None:
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def test_chat_crosses_servers(servers: list[int]) -> None:
    async def scenario() -> None:
        room = new_room()
        on_first, on_second = await asyncio.gather(
            join(servers[0], room), join(servers[1], room)
        )
        try:
            await on_first.send(chat_frame("from the first", "Ann"))
            heard = await next_chat_payload(on_second)
            assert (heard["message"], heard["name"], heard["seq"]) == (
                "from the first",
                "Ann",
                1,
            )
            await on_second.send(chat_frame("from the second", "Bob"))
            heard = await next_chat_payload(on_first)
            assert (heard["message"], heard["name"], heard["seq"]) == (
                "from the second",
                "Bob",
                2,
            )
        finally:
            await close_all([on_first, on_second])

    asyncio.run(scenario())


@pytest.mark.parametrize("count", [300, 500])
def test_connections_opened_at_once_all_succeed(servers: list[int], count: int) -> None:
    async def scenario() -> None:
        room = new_room()
        results = await asyncio.gather(
            *(join(servers[index % 2], room) for index in range(count)),
            return_exceptions=True,
        )
        opened = [ws for ws in results if isinstance(ws, ClientConnection)]
        try:
            failures = [
                repr(error) for error in results if isinstance(error, BaseException)
            ]
            assert failures == [], f"{len(failures)} failed, e.g. {failures[:3]}"

            # Each one joined the room: one message reaches all the others.
            await opened[0].send(chat_frame("everyone here?"))
            received = await asyncio.gather(
                *(next_chat_payload(ws) for ws in opened[1:])
            )
            assert {payload["message"] for payload in received} == {"everyone here?"}
        finally:
            await close_all(opened)

    asyncio.run(scenario())


async def collect_chat(websocket: ClientConnection, into: list[str]) -> None:
    """Append each chat message's text until the socket closes."""
    try:
        async for frame in websocket:
            data = json.loads(frame)
            if data["action"] == "new_chat_message":
                into.append(data["payload"]["message"])
    except ConnectionClosed:
        pass


FLOOD_FRAMES = 3000
QUIET_ROOM_MESSAGES = 100
QUIET_ROOM_LISTENERS = 10


def test_a_burst_in_one_room_costs_another_room_nothing(servers: list[int]) -> None:
    """One client floods its room while another room talks at a normal pace."""

    async def scenario() -> None:
        busy_room, quiet_room = new_room(), new_room()
        flooder, busy_listener = await asyncio.gather(
            join(servers[0], busy_room), join(servers[1], busy_room)
        )
        speaker = await join(servers[0], quiet_room)
        listeners = await asyncio.gather(
            *(join(servers[i % 2], quiet_room) for i in range(QUIET_ROOM_LISTENERS))
        )
        heard: list[list[str]] = [[] for _ in listeners]
        flood_heard: list[str] = []
        collecting = [
            asyncio.create_task(collect_chat(ws, into))
            for ws, into in [
                (busy_listener, flood_heard),
                *zip(listeners, heard, strict=True),
            ]
        ]
        sockets = [flooder, busy_listener, speaker, *listeners]
        try:

            async def flood() -> None:
                for number in range(FLOOD_FRAMES):
                    await flooder.send(chat_frame(f"flood {number}"))

            async def speak() -> None:
                for number in range(QUIET_ROOM_MESSAGES):
                    await speaker.send(chat_frame(f"quiet {number}"))
                    await asyncio.sleep(0.01)

            await asyncio.gather(flood(), speak())

            expected = {f"quiet {number}" for number in range(QUIET_ROOM_MESSAGES)}
            async with asyncio.timeout(DELIVERY_TIMEOUT):
                while any(len(messages) < len(expected) for messages in heard):
                    await asyncio.sleep(0.1)
            for messages in heard:
                assert sorted(messages) == sorted(expected)
        finally:
            await close_all(sockets)
            await asyncio.gather(*collecting)

    asyncio.run(scenario())


# Well inside the documented limits (10 a second, 120 a minute).
PACED_MESSAGES = 20
PACE = 0.25
LIMITED_FLOOD_FRAMES = 1000


def test_a_flooder_is_refused_and_another_room_loses_nothing(
    tmp_path: Path,
) -> None:
    """With the documented per-client limits: the flooder hears ``rate_limited``
    and most of its flood goes nowhere, while other clients talking at a
    person's pace in another room on the same two servers get every message."""

    async def scenario(ports: list[int]) -> None:
        busy_room, quiet_room = new_room(), new_room()
        flooder, busy_listener = await asyncio.gather(
            join(ports[0], busy_room), join(ports[1], busy_room)
        )
        speaker = await join(ports[1], quiet_room, address="203.0.113.7")
        listeners = await asyncio.gather(
            *(join(ports[i % 2], quiet_room) for i in range(QUIET_ROOM_LISTENERS))
        )
        heard: list[list[str]] = [[] for _ in listeners]
        flood_heard: list[str] = []
        refusals: list[str] = []
        collecting = [
            asyncio.create_task(collect_chat(ws, into))
            for ws, into in [
                (busy_listener, flood_heard),
                *zip(listeners, heard, strict=True),
            ]
        ]
        collecting.append(asyncio.create_task(collect_error_codes(flooder, refusals)))
        sockets = [flooder, busy_listener, speaker, *listeners]
        try:

            async def flood() -> None:
                for number in range(LIMITED_FLOOD_FRAMES):
                    await flooder.send(chat_frame(f"flood {number}"))

            async def speak() -> None:
                for number in range(PACED_MESSAGES):
                    await speaker.send(chat_frame(f"quiet {number}"))
                    await asyncio.sleep(PACE)

            await asyncio.gather(flood(), speak())

            expected = {f"quiet {number}" for number in range(PACED_MESSAGES)}
            async with asyncio.timeout(DELIVERY_TIMEOUT):
                while any(len(messages) < len(expected) for messages in heard):
                    await asyncio.sleep(0.1)
            for messages in heard:
                assert sorted(messages) == sorted(expected)
            assert "rate_limited" in refusals
            assert len(flood_heard) < LIMITED_FLOOD_FRAMES // 10
        finally:
            await close_all(sockets)
            await asyncio.gather(*collecting)

    # The documented per-client limits, as deployed.
    with running_servers(2, tmp_path, production_environment()) as servers:
        asyncio.run(scenario([server.port for server in servers]))


async def collect_error_codes(websocket: ClientConnection, into: list[str]) -> None:
    """Append the code of each ``error`` frame until the socket closes."""
    try:
        async for frame in websocket:
            data = json.loads(frame)
            if data["action"] == "error" and isinstance(data["payload"], dict):
                into.append(str(data["payload"].get("code")))
    except ConnectionClosed:
        pass
