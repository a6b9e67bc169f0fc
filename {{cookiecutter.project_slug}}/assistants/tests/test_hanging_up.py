"""A client hanging up mid-answer, against a real uvicorn: quiet logs, no errors.

The server runs the development settings (the test settings never reach a
provider) against a fake provider on 127.0.0.1 that streams a long answer as
fast as it can. The client drops its connection after the first token; the
tokens still on their way then have nobody to go to, which must cost no error
and no traceback in the server's log.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from websockets.sync.client import connect

from assistants.tests.fake_openai import FakeOpenAI, chunk
from core.tests.processes import HOST, free_port, stop, wait_until_listening


def log_lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


@pytest.mark.parametrize("implementation", ["websockets", "websockets-sansio"])
def test_hanging_up_mid_answer_logs_no_error(
    implementation: str, tmp_path: Path
) -> None:
    port = free_port()
    log_path = tmp_path / "server.log"
    tokens = [chunk(f"token{number} ") for number in range(3000)]
    with FakeOpenAI(events=tokens) as provider:
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "uvicorn"),
                    "config.asgi:application",
                    "--host",
                    HOST,
                    "--port",
                    str(port),
                    "--ws",
                    implementation,
                ],
                cwd=settings.BASE_DIR,
                env={
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "config.settings.dev",
                    "OPENAI_API_KEY": "test-key",
                    "OPENAI_BASE_URL": provider.base_url,
                },
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_listening(port, server)
            with connect(f"ws://{HOST}:{port}/ws/assistants/") as client:
                client.send(
                    json.dumps({"action": "assistant_message", "payload": "Hi"})
                )
                actions = [
                    json.loads(client.recv(timeout=10))["action"] for _ in range(2)
                ]
                assert actions == ["streaming_start", "streaming"]
                before = len(log_lines(log_path))
                # Gone without a close frame, as a closed laptop lid would be.
                client.socket.shutdown(socket.SHUT_RDWR)
                # Long enough for the tokens still coming to meet the gone client.
                time.sleep(0.5)
        finally:
            stop(server)

    after = log_lines(log_path)[before:]
    assert not [line for line in after if "Traceback" in line or "ERROR" in line], after
    assert not [line for line in after if "WARNING" in line], after
    # Besides uvicorn's own line per closed connection, one INFO line at most.
    assert len([line for line in after if not line.startswith("INFO:  ")]) <= 1, after
