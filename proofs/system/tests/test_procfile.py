"""The dev runner: ``Procfile.dev`` under honcho, as the README starts it.

The development server and a worker that watchfiles restarts on code changes
answer a job end to end; Ctrl+C stops every process; without ``REDIS_URL`` the
worker says what to set instead of failing obscurely.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from websockets.sync.client import connect

from core.tests.faults import own_redis, ping, receive_frame
from core.tests.processes import HOST, stop, wait_until_listening
from system.tests.workers import SOCKET, queue

pytestmark = pytest.mark.redis_processes

# Procfile.dev's development server, as the README says to open it.
DEV_PORT = 8000
WITHIN = 60.0


def honcho(log: Path, *processes: str, **variables: str) -> "subprocess.Popen[bytes]":
    """``uv run honcho -f Procfile.dev start``: the project's environment first
    on PATH, no Django setting inherited, no ``.env`` read."""
    bin_dir = str(Path(sys.executable).parent)
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "REDIS_"))
    }
    with log.open("wb") as output:
        return subprocess.Popen(
            [
                *(f"{bin_dir}/honcho", "-f", "Procfile.dev", "--env", "absent.env"),
                *("start", *processes),
            ],
            cwd=settings.BASE_DIR,
            env={**inherited, "PATH": f"{bin_dir}:{os.environ['PATH']}", **variables},
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_for(log: Path, seen: Callable[[str], bool]) -> None:
    deadline = time.monotonic() + WITHIN
    while not seen(log.read_text()):
        if time.monotonic() > deadline:
            pytest.fail(f"not seen in time:\n{log.read_text()}")
        time.sleep(0.2)


def test_without_redis_url_the_worker_says_what_to_set(tmp_path: Path) -> None:
    log = tmp_path / "honcho.log"
    process = honcho(log, "worker")
    try:
        process.wait(timeout=WITHIN)
    finally:
        stop(process)

    assert process.returncode != 0
    assert "REDIS_URL: is not set" in log.read_text(), log.read_text()


def test_server_and_reloading_worker_answer_a_job_and_stop_together(
    tmp_path: Path,
) -> None:
    with own_redis(tmp_path) as redis:
        log = tmp_path / "honcho.log"
        process = honcho(log, REDIS_URL=redis.url, SYSTEM_JOB_DELAY_SCALE="0")
        try:
            wait_until_listening(DEV_PORT, process, timeout=WITHIN)
            wait_for(log, lambda text: " ready." in text)

            # watchfiles restarts the worker on a change to a Python file.
            changed = Path(settings.BASE_DIR, "system", "changed_in_test.py")
            changed.write_text("CHANGED = True\n")
            try:
                wait_for(log, lambda text: text.count(" ready.") >= 2)
            finally:
                changed.unlink()

            with connect(f"ws://{HOST}:{DEV_PORT}{SOCKET}") as websocket:
                ping(websocket)
                queue(websocket, "analyze", "through honcho")
                result = receive_frame(websocket, "job_result", timeout=30)
                assert "through honcho" in str(result["payload"])

            process.send_signal(signal.SIGINT)  # Ctrl+C
            assert process.wait(timeout=WITHIN) is not None
        finally:
            stop(process)

    text = log.read_text()
    for name in ("web.1", "worker.1"):
        assert f"{name} stopped" in text, text
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((HOST, DEV_PORT), timeout=1).close()
