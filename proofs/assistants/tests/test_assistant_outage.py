"""The assistant needs no channel layer: a real Redis outage leaves its sockets up."""

import time
from pathlib import Path

import pytest

from core.outage import WATCH_INTERVAL
from core.tests.faults import (
    REDIS_LAYERS,
    own_redis,
    ping,
    project_environment,
    uvicorn,
)

pytestmark = pytest.mark.redis_processes

SOCKET = "/ws/assistants/"


def test_the_assistant_stays_up_while_redis_is_down(tmp_path: Path) -> None:
    with own_redis(tmp_path) as redis:
        # The core layer, whose receive fails when Redis goes: it would take a
        # socket with a layer down with it.
        environment = project_environment(
            tmp_path, redis.url, REDIS_LAYERS[0], ASSISTANTS_REQUIRE_LOGIN="false"
        )
        with uvicorn(tmp_path, environment) as server:
            asker = server.connect(SOCKET)
            ping(asker)

            redis.stop()
            # Past the time the sockets that need Redis are closed in.
            time.sleep(2 * WATCH_INTERVAL + 1)

            ping(asker)
            newcomer = server.connect(SOCKET)
            ping(newcomer)
            for websocket in (asker, newcomer):
                websocket.close()
