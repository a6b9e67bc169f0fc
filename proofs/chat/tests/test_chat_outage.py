"""A Redis outage, for real: uvicorn on a Redis of its own, stopped and started again.

A room needs the channel layer, so its sockets are closed with a code and a
reason the page shows (and retries on); once Redis is back, new sockets work
at once. The server logs the outage once, as it starts, and once as it ends.
Run against each Redis channel layer.
"""

import json
from pathlib import Path
from typing import cast

import pytest
from websockets.exceptions import ConnectionClosed

from core.outage import CLOSE_TRY_AGAIN_LATER, LAYER_UNAVAILABLE
from core.tests.faults import (
    REDIS_LAYERS,
    own_redis,
    ping,
    project_environment,
    receive_frame,
    refusal_of,
    uvicorn,
    wait_for_close,
)
from core.tests.outage_logs import assert_one_outage_logged, wait_until_redis_is_back

pytestmark = pytest.mark.redis_processes

ROOM = "/ws/chat/outage/"


@pytest.mark.parametrize("layer", REDIS_LAYERS, ids=["core", "pubsub"])
def test_rooms_close_with_a_reason_and_work_again_once_redis_is_back(
    tmp_path: Path, layer: str
) -> None:
    with (
        own_redis(tmp_path) as redis,
        uvicorn(tmp_path, project_environment(tmp_path, redis.url, layer)) as server,
    ):
        member = server.connect(ROOM)
        ping(member)

        redis.stop()

        assert wait_for_close(member) == (CLOSE_TRY_AGAIN_LATER, LAYER_UNAVAILABLE)
        # A socket opened during the outage is told the same, not failed with a 500.
        assert refusal_of(server, ROOM) == (CLOSE_TRY_AGAIN_LATER, LAYER_UNAVAILABLE)

        redis.start()

        # The very first sockets after the restart carry messages.
        sender, listener = server.connect(ROOM), server.connect(ROOM)
        ping(sender)
        ping(listener)
        sender.send(
            json.dumps(
                {
                    "action": "new_chat_message",
                    "payload": {"message": "back", "name": "a"},
                }
            )
        )
        heard = receive_frame(listener, "new_chat_message")
        payload = cast(dict[str, object], heard["payload"])
        assert (payload["message"], payload["name"]) == ("back", "a")
        for websocket in (sender, listener):
            websocket.close()
        wait_until_redis_is_back(server.log)
    assert_one_outage_logged(server.log)
    with pytest.raises(ConnectionClosed):
        member.recv(timeout=0)
