"""A client hanging up mid-answer, against a real uvicorn: quiet logs, no errors.

The shared servers (core.tests.servers) send questions to the session's fake
provider (assistants/tests/conftest.py), which here streams a long answer as
fast as it can. The client drops its connection after the first token; the
tokens still on their way then have nobody to go to, which must cost no error
and no traceback in the server's log. Both of uvicorn's websocket
implementations are tried.
"""

import json
import socket
import time

from assistants.tests.fake_openai import FakeOpenAI, chunk
from core.tests.servers import Server


def test_hanging_up_mid_answer_logs_no_error(
    server_per_implementation: Server, shared_provider: FakeOpenAI
) -> None:
    server = server_per_implementation
    shared_provider.events = [chunk(f"token{number} ") for number in range(3000)]
    with server.connect("/ws/assistants/") as client:
        client.send(json.dumps({"action": "assistant_message", "payload": "Hi"}))
        actions = [json.loads(client.recv(timeout=10))["action"] for _ in range(2)]
        assert actions == ["streaming_start", "streaming"]
        logged_before = server.log_size()
        # Gone without a close frame, as a closed laptop lid would be.
        client.socket.shutdown(socket.SHUT_RDWR)
        # Long enough for the tokens still coming to meet the gone client.
        time.sleep(0.5)

    after = server.log_since(logged_before).splitlines()
    assert not [line for line in after if "Traceback" in line or "ERROR" in line], after
    assert not [line for line in after if "WARNING" in line], after
    # Besides uvicorn's own line per closed connection, one INFO line at most.
    assert len([line for line in after if not line.startswith("INFO:  ")]) <= 1, after
