"""Celery worker processes for the tests that run one, and the system socket's jobs.

Every worker is stopped by its own PID and every wait is bounded.
"""

import json
import subprocess
import sys
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from core.tests.faults import receive_frame
from core.tests.processes import stop
from core.tests.servers import Server

SOCKET = "/ws/system/"
# A worker imports Django and the project first: slow on a busy machine.
READY_WITHIN = 60.0


def wait_until_ready(process: "subprocess.Popen[bytes]", log: Path) -> None:
    """Return once the worker writing to ``log`` says it is ready; fail if it dies first."""
    deadline = time.monotonic() + READY_WITHIN
    while " ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the worker did not get ready:\n{log.read_text()}")
        time.sleep(0.1)


@contextmanager
def worker(
    folder: Path, environment: dict[str, str], *options: str
) -> Generator["subprocess.Popen[bytes]", None, None]:
    """A worker started with ``options`` (a pool, say), ready to take jobs."""
    log = folder / f"worker-{time.monotonic_ns()}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                *("-A", "config", "worker", "--without-heartbeat"),
                *("--without-mingle", "--without-gossip", *options),
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(process, log)
        yield process
    finally:
        stop(process)


def queue(websocket: ClientConnection, task_type: str, content: str) -> None:
    """Queue a job on ``websocket`` and check that it was acknowledged."""
    websocket.send(
        json.dumps(
            {
                "action": "system_message",
                "payload": {"task_type": task_type, "content": content},
            }
        )
    )
    acknowledgment = receive_frame(websocket, "job_queued")
    assert content in str(acknowledgment["payload"]), acknowledgment


def job_owner_sessions(environment: dict[str, str], count: int) -> list[str]:
    """Visitor sessions in the servers' database, as the jobs page makes them."""
    script = (
        "from django.contrib.sessions.backends.db import SessionStore\n"
        f"for _ in range({count}):\n"
        "    s = SessionStore(); s['owns_jobs'] = True; s.create(); print(s.session_key)"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=settings.BASE_DIR,
        env=environment,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return done.stdout.decode().split()[-count:]


def job_socket(server: Server, session_key: str) -> ClientConnection:
    """A system socket of the visitor whose session is ``session_key``."""
    return connect(
        f"{server.url}{SOCKET}",
        origin=Origin(server.origin),
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
        open_timeout=5,
    )
