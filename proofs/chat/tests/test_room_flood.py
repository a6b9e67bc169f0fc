"""One address floods a room through both servers; another room's messages still
arrive on time.

Real processes: two servers on one Redis, the documented limits. The flooder
(127.0.0.2) sends as fast as it can on 20 sockets: its frames count per address
over all of them (``SOCKET_FRAMES_PER_SECOND``), so most are refused with
``rate_limited``, and the refusal is logged once, not once per frame.
"""

import asyncio
import json
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from chat.tests.rooms import chat_frame, join
from core.tests.faults import own_redis, project_environment, uvicorn
from core.tests.processes import HOST

pytestmark = pytest.mark.redis_processes

FLOODER, SOCKETS, FLOOD_SECONDS = "127.0.0.2", 20, 3.0
ON_TIME = 1.0


async def flooder(port: int) -> ClientConnection:
    return await connect(
        f"ws://{HOST}:{port}/ws/chat/flooded/",
        origin=Origin(f"http://{HOST}:{port}"),
        local_addr=(FLOODER, 0),
        close_timeout=1,
    )


async def flood(sockets: list[ClientConnection]) -> None:
    """Each socket sends a 2 KB message every 0.1 s for ``FLOOD_SECONDS``."""
    ends = time.monotonic() + FLOOD_SECONDS
    while time.monotonic() < ends:
        for websocket in sockets:
            await websocket.send(chat_frame("x" * 2000, "flooder"))
        await asyncio.sleep(0.1)


async def delays(ports: list[int]) -> list[float]:
    """How late each calm message reaches its listener while the flood goes on."""
    sockets = [await flooder(ports[n % 2]) for n in range(SOCKETS)]
    listener = await join(ports[0], "calm")
    speaker = await join(ports[1], "calm")
    flooding = asyncio.create_task(flood(sockets))
    late = []
    while not flooding.done():
        sent = time.monotonic()
        await speaker.send(chat_frame(f"hello at {sent}", "calm"))
        while json.loads(await asyncio.wait_for(listener.recv(), 10))["action"] != (
            "new_chat_message"
        ):
            pass
        late.append(time.monotonic() - sent)
        await asyncio.sleep(0.3)
    await flooding
    # The flooders read nothing: their closing handshakes wait in vain.
    await asyncio.gather(
        *(websocket.close() for websocket in [*sockets, listener, speaker])
    )
    return late


def test_a_flood_in_one_room_leaves_another_on_time(tmp_path: Path) -> None:
    with own_redis(tmp_path) as redis:
        environment = project_environment(tmp_path, redis.url)
        with (
            uvicorn(tmp_path, environment) as first,
            uvicorn(tmp_path, environment) as second,
        ):
            late = asyncio.run(delays([first.port, second.port]))
    logs = "".join(path.read_text() for path in tmp_path.glob("uvicorn-*.log"))

    assert late and max(late) <= ON_TIME, late
    assert logs.count(f"Refusing Too many messages of address:{FLOODER}") == 1, logs
