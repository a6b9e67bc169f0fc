"""The production server, started for real: uvicorn with production settings.

One server on 127.0.0.1 serves the whole module; a real HTTP client and a real
websocket client (the ``websockets`` package) talk to it the way a browser
behind an HTTPS proxy would.
"""

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from core.apps import realtime_apps
from core.tests.processes import HOST, free_port, stop, wait_until_listening

HTTPS = {"X-Forwarded-Proto": "https"}
FOREIGN_ORIGIN = "https://evil.example"


@dataclass(frozen=True)
class Response:
    status: int
    location: str | None
    body: bytes


@dataclass(frozen=True)
class Server:
    port: int

    @property
    def origin(self) -> str:
        """What a page this server sent would give as its ``Origin``."""
        return f"http://{HOST}:{self.port}"

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return Response(
                response.status, response.getheader("Location"), response.read()
            )
        finally:
            connection.close()

    def connect(self, path: str, origin: str) -> ClientConnection:
        url = f"ws://{HOST}:{self.port}{path}"
        return connect(url, origin=Origin(origin), open_timeout=5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``uvicorn config.asgi:application`` with production settings, as deployed."""
    port = free_port()
    log = tmp_path_factory.mktemp("uvicorn") / "server.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        # What the checks below rely on, whatever a .env file says.
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
        "DJANGO_ASYNCAPI_PUBLIC": "false",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        HOST,
        "--port",
        str(port),
        "--lifespan",
        "off",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        try:
            wait_until_listening(port, process)
        except (RuntimeError, TimeoutError) as error:
            pytest.fail(f"uvicorn did not start ({error}):\n{log.read_text()}")
        yield Server(port)
        assert process.poll() is None, f"uvicorn stopped:\n{log.read_text()}"
    finally:
        stop(process)
    assert "Traceback" not in log.read_text(), log.read_text()


def first_socket_path() -> str | None:
    """A real socket of this project, with a sample value for each URL parameter."""
    configs = realtime_apps()
    if not configs:
        return None
    return re.sub(r"<[^>]+>", "probe", configs[0].socket_path)


def receive_until(websocket: ClientConnection, action: str) -> dict[str, object]:
    """Read frames until one with ``action`` (a consumer may greet first)."""
    deadline = time.monotonic() + 5
    while True:
        frame = json.loads(websocket.recv(timeout=max(deadline - time.monotonic(), 0)))
        if frame.get("action") == action:
            return dict(frame)


def assert_refused(server: Server, path: str, origin: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        server.connect(path, origin).close()
    assert refused.value.response.status_code == 403


def test_health_probe_needs_neither_an_allowed_host_nor_https(server: Server) -> None:
    response = server.get("/healthz/", {"Host": "container-probe"})

    assert (response.status, response.body) == (200, b"ok\n")


def test_plain_http_is_redirected_to_https(server: Server) -> None:
    response = server.get("/", {"Host": HOST})

    assert response.status == 301
    assert response.location == f"https://{HOST}/"


def test_asyncapi_docs_are_not_public(server: Server) -> None:
    for path in ("/asyncapi/docs/", "/asyncapi/schema/"):
        assert server.get(path, {"Host": HOST, **HTTPS}).status == 404, path


def test_a_page_of_this_site_opens_a_socket(server: Server) -> None:
    path = first_socket_path()
    if path is None:
        # No app, no socket: an unknown path is refused and the server goes on.
        assert_refused(server, "/ws/no-such-socket/", server.origin)
        assert server.get("/healthz/").status == 200
        return

    with server.connect(path, server.origin) as websocket:
        # A socket that refuses visitors may have closed already.
        with suppress(ConnectionClosed):
            websocket.send(json.dumps({"action": "ping"}))
        frame = json.loads(websocket.recv(timeout=5))

        if frame["action"] == "authentication":
            # A socket for signed-in users only: the handshake was accepted,
            # then chanx said why it closes, and closed with 4000 + 401.
            assert frame["payload"]["status_code"] == 401
            with pytest.raises(ConnectionClosed) as closed:
                websocket.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
            return
        if frame["action"] != "pong":
            frame = receive_until(websocket, "pong")

        assert frame["action"] == "pong"


def test_a_page_of_a_foreign_site_is_refused(server: Server) -> None:
    assert_refused(server, first_socket_path() or "/ws/", FOREIGN_ORIGIN)
    assert server.get("/healthz/").status == 200
