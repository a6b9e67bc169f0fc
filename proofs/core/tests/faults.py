"""Real processes to fault: a Redis of the test's own, and a server that uses it.

The tests that use these stop and restart Redis, so they never touch the one
``REDIS_URL`` names, which other tests share: each starts its own
``redis-server`` on a free port of 127.0.0.1. Every process is stopped by its
own PID and every wait is bounded.
"""

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from core.tests.processes import HOST, free_port, stop, wait_until_listening
from core.tests.servers import Server, migrated_database, running_server

# The channel layers a deployment may choose; the tests run against each.
REDIS_LAYERS = [
    "channels_redis.core.RedisChannelLayer",
    "channels_redis.pubsub.RedisPubSubChannelLayer",
]

# How long a socket that needs Redis may take to be closed once Redis is gone:
# core.outage.WATCH_INTERVAL and its ping's timeout, with room for a busy machine.
CLOSED_WITHIN = 10.0


class RedisServer:
    """A ``redis-server`` on one port, which can be stopped and started again."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        program = shutil.which("redis-server")
        assert program, "redis-server is not installed"
        self.process = subprocess.Popen(
            [
                program,
                *("--bind", HOST, "--port", str(self.port)),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_until_listening(self.port, self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@contextmanager
def own_redis(folder: Path) -> Generator[RedisServer, None, None]:
    redis = RedisServer(folder)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


def project_environment(
    folder: Path,
    redis_url: str,
    layer: str = REDIS_LAYERS[-1],
    overrides: str = "",
    **variables: str,
) -> dict[str, str]:
    """Production settings on ``redis_url``, with ``layer`` as the channel layer.

    The layer is chosen by a settings module written to ``folder`` that only
    changes the backend (and adds the lines of ``overrides``), so the
    project's own settings stay as they are.
    """
    folder.mkdir(exist_ok=True)
    (folder / "fault_settings.py").write_text(
        "from config.settings.production import *  # noqa: F403\n"
        "from config.settings.production import CHANNEL_LAYERS\n\n"
        f'CHANNEL_LAYERS["default"]["BACKEND"] = {layer!r}\n{overrides}'
    )
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_")
    }
    return {
        **inherited,
        "PYTHONPATH": os.pathsep.join([str(folder), str(settings.BASE_DIR)]),
        "DJANGO_SETTINGS_MODULE": "fault_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "REDIS_URL": redis_url,
        "DATABASE_URL": migrated_database(),
        **variables,
    }


@contextmanager
def uvicorn(folder: Path, environment: dict[str, str]) -> Generator[Server, None, None]:
    """The documented server on ``environment``, logging into ``folder``."""
    with running_server(folder / f"uvicorn-{free_port()}.log", environment) as server:
        yield server


def receive_frame(
    websocket: ClientConnection, action: str, timeout: float = 5
) -> dict[str, object]:
    """The next frame with ``action``, skipping others (a greeting, say)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(websocket.recv(timeout=max(deadline - time.monotonic(), 0)))
        if frame.get("action") == action:
            return dict(frame)


def ping(websocket: ClientConnection) -> None:
    websocket.send(json.dumps({"action": "ping"}))
    receive_frame(websocket, "pong")


def wait_for_close(
    websocket: ClientConnection, timeout: float = CLOSED_WITHIN
) -> tuple[int | None, str]:
    """The code and reason the server closed ``websocket`` with, reading what came first."""
    deadline = time.monotonic() + timeout
    while websocket.close_code is None and time.monotonic() < deadline:
        try:
            websocket.recv(timeout=max(deadline - time.monotonic(), 0.01))
        except (TimeoutError, ConnectionClosed):
            break
    return websocket.close_code, websocket.close_reason or ""


def refusal_of(server: Server, path: str) -> tuple[int | None, str]:
    """How a new socket to ``path`` is closed (its handshake may not even return)."""
    try:
        websocket = server.connect(path)
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, closed
        return closed.rcvd.code, closed.rcvd.reason
    return wait_for_close(websocket)
