"""One address floods the job queue through both servers; another client's job is
still answered within its own run time plus a second.

Real processes: two servers on one Redis, a worker started as shipped, which
runs SYSTEM_JOBS_IN_FLIGHT + 1 processes unless told otherwise. The flooder
(127.0.0.2) opens 20 sockets against a budget of 10 per address, and sends 3
jobs on each: one address has 3 jobs in flight at most, whichever socket or
server sent them, so a worker with more processes than that always has one free.
Each refusal is said (4429 with its reason, ``rate_limited``) and logged once.
"""

import json
import socket
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from core.tests.faults import own_redis, project_environment, receive_frame, uvicorn
from core.tests.processes import HOST
from core.tests.servers import Server
from system.tests.workers import SOCKET, queue, worker

pytestmark = pytest.mark.redis_processes

FLOODER = "127.0.0.2"
SOCKETS, PER_ADDRESS, IN_FLIGHT = 20, 10, 3
# A "default" job pretends to work 1 s; "generate" 4 s, so the flood's jobs still
# run as the victim queues: with no process free, it would wait seconds for one.
SCALE = 1.0


def from_address(server: Server, address: str) -> ClientConnection:
    """A socket to the system path from ``address`` (any of 127.0.0.0/8 is ours)."""
    sock = socket.create_connection(
        (HOST, server.port), timeout=5, source_address=(address, 0)
    )
    return connect(
        f"{server.url}{SOCKET}", sock=sock, origin=Origin(server.origin), open_timeout=5
    )


def job(task_type: str, content: str) -> str:
    payload = {"task_type": task_type, "content": content}
    return json.dumps({"action": "system_message", "payload": payload})


def replies(websocket: ClientConnection, count: int) -> list[str]:
    """What the first ``count`` replies to jobs were: queued, or the error's code."""
    said = []
    for _ in range(count):
        while (frame := json.loads(websocket.recv(timeout=10)))["action"] not in (
            "job_queued",
            "error",
        ):
            pass
        said.append(
            frame["payload"].get("code") if frame["action"] == "error" else "queued"
        )
    return said


def test_a_flood_from_one_address_leaves_other_jobs_on_time(tmp_path: Path) -> None:
    with own_redis(tmp_path) as redis:
        environment = project_environment(
            tmp_path,
            redis.url,
            SYSTEM_JOB_DELAY_SCALE=str(SCALE),
            SOCKETS_PER_ADDRESS=str(PER_ADDRESS),
            SYSTEM_JOBS_IN_FLIGHT=str(IN_FLIGHT),
        )
        with (
            uvicorn(tmp_path, environment) as first,
            uvicorn(tmp_path, environment) as second,
            # As shipped, without --concurrency: IN_FLIGHT + 1 processes.
            worker(tmp_path, environment),
        ):
            flood: list[ClientConnection] = []
            refusals: list[tuple[int | None, str]] = []
            for number in range(SOCKETS):
                websocket = from_address((first, second)[number % 2], FLOODER)
                try:
                    websocket.send(job("generate", f"flood {number}"))
                    websocket.send(job("generate", f"flood {number}b"))
                    websocket.send(job("generate", f"flood {number}c"))
                    replies_here = replies(websocket, 3)
                except ConnectionClosed as closed:
                    assert closed.rcvd is not None
                    refusals.append((closed.rcvd.code, closed.rcvd.reason))
                    continue
                flood.append(websocket)
                assert set(replies_here) <= {"queued", "rate_limited"}, replies_here

            victim = first.connect(SOCKET)  # from 127.0.0.1: another address
            started = time.monotonic()
            queue(victim, "default", "mine")
            result = receive_frame(victim, "job_result", timeout=10)
            took = time.monotonic() - started

            for websocket in [*flood, victim]:
                websocket.close()

    assert "MINE" in str(result["payload"])  # the default job shouts it
    assert took <= 1 * SCALE + 1, took
    assert len(flood) == PER_ADDRESS
    assert refusals == [
        (4429, "Too many open sockets (10 per address). Close one first.")
    ] * (SOCKETS - PER_ADDRESS)
    logs = "".join(path.read_text() for path in tmp_path.glob("uvicorn-*.log"))
    assert logs.count(f"Refusing sockets of address:{FLOODER}") == 1, logs
    assert logs.count(f"Refusing jobs in flight of address:{FLOODER}") == 1, logs
    worker_log = next(tmp_path.glob("worker-*.log")).read_text()
    assert f"concurrency: {IN_FLIGHT + 1} (prefork)" in worker_log, worker_log
    assert "WARNING" not in worker_log, worker_log
