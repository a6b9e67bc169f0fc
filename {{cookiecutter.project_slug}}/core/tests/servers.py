"""The production server, started the way the Dockerfile starts it.

Tests of frame limits and of load run the Dockerfile's very ``CMD`` (on
127.0.0.1 and a free port), so that the flags they prove are the deployed ones.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Generator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from django.conf import settings

from core.tests.processes import HOST, free_port, stop, wait_until_listening


def documented_server_command(port: int) -> list[str]:
    """The Dockerfile's ``CMD``, listening on 127.0.0.1 and ``port``."""
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    found = re.search(r"^CMD (\[.*\])\s*$", dockerfile, re.MULTILINE)
    assert found, "the Dockerfile has no CMD in JSON form"
    command: list[str] = json.loads(found[1])
    assert command[0] == "uvicorn", command
    for option, value in (("--host", HOST), ("--port", str(port))):
        command[command.index(option) + 1] = value
    return [sys.executable, "-m", *command]


@contextmanager
def running_server(log: Path, frame_limits: bool = False) -> Generator[int, None, None]:
    """One documented server with production settings; yields its port.

    It shares Redis with the test run when ``REDIS_URL`` is set. On the way
    out it must still be running, and its log must hold no traceback. With
    ``frame_limits`` its sockets keep their documented per-socket limits.
    """
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
    }
    if not frame_limits:
        # One sender here sends far faster than anybody types: these tests
        # measure delivery, not the per-socket frame limits.
        env |= {
            "SOCKET_FRAMES_PER_SECOND": "100000",
            "SOCKET_FRAMES_PER_MINUTE": "1000000",
        }
    with log.open("wb") as output:
        process = subprocess.Popen(
            documented_server_command(port),
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # Generous: a busy machine starts it slowly; a failure is what counts.
        wait_until_listening(port, process, timeout=60)
        yield port
        assert process.poll() is None, f"the server stopped:\n{log.read_text()}"
    finally:
        stop(process)
    assert "Traceback" not in log.read_text(), log.read_text()


@contextmanager
def running_servers(
    count: int, logs: Path, frame_limits: bool = False
) -> Generator[list[int], None, None]:
    """``count`` documented servers side by side; yields their ports."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                running_server(logs / f"server-{number}.log", frame_limits)
            )
            for number in range(count)
        ]
