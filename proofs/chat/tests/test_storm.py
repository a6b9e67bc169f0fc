"""A connection storm on a healthy Redis closes no socket.

One production server, its own Redis: ``STORM`` sockets open as fast as this
process can open them, stay while the server's Redis check pings (every
``WATCH_INTERVAL``, while there are sockets), then all close at once. A loop that busy may miss a ping;
only ``MISSES`` in a row, none the loop itself was too late to hear, make an
outage (``core.outage``), so not one socket is closed with 1013 and the log
says nothing of Redis.
"""

import asyncio
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection

from chat.tests.rooms import join
from core.outage import WATCH_INTERVAL
from core.tests.faults import own_redis
from core.tests.servers import UNLIMITED_FRAMES, production_environment, running_server

pytestmark = pytest.mark.redis_processes

STORM = 2000
ROOMS = 20
OPENING_AT_ONCE = 200


async def storm(port: int) -> tuple[int, int]:
    """Open ``STORM`` sockets, keep them past a ping, close them all; how many
    were still open before the close, and how many the server had closed."""
    at_once = asyncio.Semaphore(OPENING_AT_ONCE)

    async def member(number: int) -> ClientConnection:
        async with at_once:
            return await join(port, f"storm-{number % ROOMS}")

    sockets = await asyncio.gather(*(member(number) for number in range(STORM)))
    await asyncio.sleep(WATCH_INTERVAL + 1)  # one ping at least, after those opening
    still_open = sum(websocket.close_code is None for websocket in sockets)
    await asyncio.gather(*(websocket.close() for websocket in sockets))
    closed_by_server = sum(websocket.close_code == 1013 for websocket in sockets)
    return still_open, closed_by_server


def test_a_connection_storm_closes_no_socket(tmp_path: Path) -> None:
    with own_redis(tmp_path) as redis:
        environment = production_environment(**UNLIMITED_FRAMES, REDIS_URL=redis.url)
        with running_server(tmp_path / "server.log", environment) as server:
            still_open, closed_by_server = asyncio.run(storm(server.port))
            asyncio.run(asyncio.sleep(WATCH_INTERVAL + 1))  # a ping after the closing
            logged = server.log.read_text()

    assert (still_open, closed_by_server) == (STORM, 0)
    assert "Redis does not answer" not in logged, logged
