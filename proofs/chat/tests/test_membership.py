"""Members leave their room however they go, against a real server and Redis.

With the pub/sub channel layer a server process subscribes to a room's Redis
channel while it holds a member of the room, and unsubscribes when the last
one leaves. So once every member has gone, cleanly or by a dropped
connection while the room is busy, Redis must count no subscriber left: a
member that stayed in the group would keep the subscription.
"""

import asyncio
import socket
import struct
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from websockets.asyncio.client import ClientConnection

from chat.tests.rooms import chat_frame, join, new_room
from core.tests.servers import running_server

pytestmark = pytest.mark.redis_processes

MEMBERS = 40
FLOOD = 1000


def subscribers(room: str) -> int:
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        counts = dict(client.pubsub_numsub(f"asgi__group__chat.{room}"))
    finally:
        client.close()
    return int(next(iter(counts.values()), 0))


def drop(member: ClientConnection) -> None:
    """Cut the connection with a reset, as a crashed client or network would."""
    raw: socket.socket = member.transport.get_extra_info("socket")
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    member.transport.abort()


def test_every_member_leaves_the_room_however_it_goes(tmp_path: Path) -> None:
    room = new_room()

    async def scenario(port: int) -> None:
        members = [await join(port, room) for _ in range(MEMBERS)]
        sender = await join(port, room)
        assert subscribers(room) == 1

        async def flood() -> None:
            for number in range(FLOOD):
                await sender.send(chat_frame(f"busy {number}"))

        flooding = asyncio.create_task(flood())
        await asyncio.sleep(0.3)
        # Half drop their connection mid-flood; the other half close cleanly.
        for member in members[: MEMBERS // 2]:
            drop(member)
        await asyncio.gather(*(member.close() for member in members[MEMBERS // 2 :]))
        await flooding
        await sender.close()

    with running_server(tmp_path / "server.log") as server:
        asyncio.run(scenario(server.port))
        deadline = time.monotonic() + 10
        while subscribers(room) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert subscribers(room) == 0
