"""The shipped nginx configuration, run by Debian's nginx in front of two
documented servers sharing Redis: pages, static files and every socket go
through it, it tells the app the real client address and nobody else may,
it caps what one address holds open, a server restart drains to the other
server, and a quiet socket outlives nginx's default timeouts.

Clients connect from other loopback addresses (127.0.0.2 and up) than the one
nginx uses towards the servers (127.0.0.1, their FORWARDED_ALLOW_IPS).
"""

import base64
import http.client
import json
import re
import secrets
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidMessage
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from core.apps import realtime_apps
from core.tests.faults import own_redis, ping, wait_for_close
from core.tests.processes import HOST, free_port, stop, wait_until_listening
from core.tests.servers import (
    UNLIMITED_FRAMES,
    documented_server_command,
    production_environment,
)
from deploy.tests.nginx import (
    nginx_command,
    self_signed_certificate,
    site_config,
    write_config,
)

pytestmark = pytest.mark.redis_processes

# nginx closes a proxied connection that reads nothing for proxy_read_timeout,
# 60 s unless configured: a socket must stay open quiet for twice that.
NGINX_DEFAULT_READ_TIMEOUT = 60
# limit_conn per_address and client_header_timeout in deploy/nginx.conf.
CONNECTIONS_PER_ADDRESS = 100
HEADER_TIMEOUT = 10
HALF_OPEN = 200
# About 1 run in 10 on a 2-core machine, nginx 1.22 left one reconnecting
# handshake unread until its client_header_timeout (10 s: "client timed out
# while waiting for request"); the cause is not found. A client that gives a
# handshake up after this long and tries again is back at once.
GIVE_UP_AFTER = 2.0
TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE


def socket_paths(name: str) -> list[str]:
    """Every socket of this project, URL parameters set to ``name``."""
    return [re.sub(r"<[^>]+>", name, app.socket_path) for app in realtime_apps()]


@dataclass
class WebServer:
    """One documented server on a fixed port, which can be restarted."""

    port: int
    log: Path
    environment: dict[str, str]
    process: "subprocess.Popen[bytes] | None" = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                documented_server_command(self.port),
                cwd=settings.BASE_DIR,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_listening(self.port, self.process, timeout=60)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def accepted(self, path: str) -> bool:
        return f'"WebSocket {path}" [accepted]' in self.log.read_text()


@dataclass
class Site:
    """nginx on ``port`` (HTTPS) and ``http_port``, in front of ``servers``."""

    port: int
    http_port: int
    servers: list[WebServer]
    folder: Path
    static: Path
    opened: list[ClientConnection] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"localhost:{self.port}"

    def get(
        self, path: str, source: str = "127.0.0.2", **headers: str
    ) -> http.client.HTTPResponse:
        connection = http.client.HTTPSConnection(
            HOST, self.port, timeout=5, context=TLS, source_address=(source, 0)
        )
        connection.request("GET", path, headers={"Host": self.host, **headers})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    def connect(
        self, path: str, source: str = "127.0.0.2", open_timeout: float = 15
    ) -> ClientConnection:
        """A socket through nginx, as this site's page opens it."""
        raw = socket.create_connection(
            (HOST, self.port), timeout=15, source_address=(source, 0)
        )
        try:
            websocket = connect(
                f"wss://{self.host}{path}",
                sock=raw,
                ssl=TLS,
                server_hostname="localhost",
                origin=Origin(f"https://{self.host}"),
                open_timeout=open_timeout,  # 15: a busy machine, not a slow server
            )
        except InvalidMessage as error:  # nginx hung up: say what it logged
            log = (self.folder / "error.log").read_text()[-4000:]
            raise AssertionError(f"{error} from {source}; nginx:\n{log}") from error
        self.opened.append(websocket)
        return websocket

    def upgrade(self, path: str, source: str) -> tuple[int, ssl.SSLSocket]:
        """A websocket handshake's status, on a connection left open: many of
        these cost no thread each, as a client library's sockets do."""
        raw = socket.create_connection((HOST, self.port), 15, (source, 0))
        connection = TLS.wrap_socket(raw, server_hostname="localhost")
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        connection.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: https://{self.host}\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response and (chunk := connection.recv(4096)):
            response += chunk
        return int(response.split(b" ", 2)[1]), connection

    def errors(self) -> list[str]:
        """nginx's error-log lines, but for what a restart costs: a refused
        upstream (the failover), and a closed socket's connection the stopping
        server reset after its close frame."""
        restart = re.compile(
            r"\(111: Connection refused\) while connecting to upstream"
            r"|\(104: Connection reset by peer\) while proxying upgraded connection"
        )
        lines = (self.folder / "error.log").read_text().splitlines()
        return [
            line
            for line in lines
            if re.search(r"\[(error|crit|alert|emerg)\]", line)
            and not restart.search(line)
        ]


def manage(environment: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with ExitStack() as stack:
        # Not under pytest's private folders: nginx's workers, running as
        # nobody, read the static files.
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        folder.chmod(0o755)
        static = folder / "static"
        redis = stack.enter_context(own_redis(folder))
        environment = production_environment(
            DJANGO_ALLOWED_HOSTS="localhost",
            DJANGO_STATIC_ROOT=str(static),
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            REDIS_URL=redis.url,
            FORWARDED_ALLOW_IPS=HOST,
            **UNLIMITED_FRAMES,
        )
        manage(environment, "migrate", "--noinput")
        manage(environment, "collectstatic", "--noinput")
        servers = [
            WebServer(free_port(), folder / f"server-{number}.log", environment)
            for number in (1, 2)
        ]
        for server in servers:
            stack.callback(server.stop)
            server.start()
        self_signed_certificate(folder / "certs")
        port, http_port = free_port(), free_port()
        shipped = (Path(settings.BASE_DIR) / "deploy" / "nginx.conf").read_text()
        site = site_config(
            shipped,
            [s.port for s in servers],
            http_port,
            port,
            folder / "certs",
            static,
        )
        config = write_config(folder, site)
        subprocess.run(nginx_command(config, "-t"), check=True, capture_output=True)
        nginx = subprocess.Popen(nginx_command(config))
        stack.callback(stop, nginx)
        wait_until_listening(port, nginx)
        proxied = Site(port, http_port, servers, folder, static)
        yield proxied
        for websocket in proxied.opened:
            websocket.close()
        for server in servers:
            written = server.log.read_text()
            assert not re.search(r"Traceback|\bERROR\b", written), written
        assert not proxied.errors()


@pytest.fixture(scope="module")
def quiet_socket(site: Site) -> tuple[ClientConnection, float, WebServer]:
    """A socket opened first and then left alone, and the server it reached."""
    [path, *_] = socket_paths("quiet")
    websocket = site.connect(path)
    ping(websocket)
    [server] = [server for server in site.servers if server.accepted(path)]
    return websocket, time.monotonic(), server


def test_pages_and_static_files_come_through_https(
    site: Site, quiet_socket: tuple[ClientConnection, float, WebServer]
) -> None:
    page = site.get("/")
    assert page.status == 200
    assert page.getheader("Content-Security-Policy")
    assert page.getheader("Strict-Transport-Security")

    manifest = json.loads((site.static / "staticfiles.json").read_text())
    hashed = next(iter(manifest["paths"].values()))
    asset = site.get(f"/static/{hashed}")
    assert asset.status == 200
    assert "immutable" in (asset.getheader("Cache-Control") or "")

    plain = http.client.HTTPConnection(HOST, site.http_port, timeout=5)
    plain.request("GET", "/chat/", headers={"Host": "localhost"})
    redirect = plain.getresponse()
    assert redirect.status == 301
    assert redirect.getheader("Location") == "https://localhost/chat/"


def test_every_socket_answers_through_nginx(site: Site) -> None:
    paths = socket_paths("proxied")
    assert paths, "this proof needs a project with sockets"
    for path in paths:
        websocket = site.connect(path)
        try:
            ping(websocket)
        except ConnectionClosed as closed:
            # The assistant asks visitors to sign in first, through nginx too.
            assert closed.rcvd is not None and closed.rcvd.code == 4401, path


def test_only_nginx_is_believed_about_the_client_address(site: Site) -> None:
    forged = {"X-Forwarded-For": "203.0.113.9"}
    assert site.get("/?through=nginx", source="127.0.0.3", **forged).status == 200
    [server] = [s for s in site.servers if "/?through=nginx" in s.log.read_text()]
    direct = http.client.HTTPConnection(
        HOST, server.port, timeout=5, source_address=("127.0.0.4", 0)
    )
    direct.request("GET", "/?direct=1", headers={"Host": "localhost", **forged})
    direct.getresponse().read()

    log = server.log.read_text()
    assert re.search(r'127\.0\.0\.3:\d+ - "GET /\?through=nginx', log), log
    assert re.search(r'127\.0\.0\.4:\d+ - "GET /\?direct=1', log), log
    assert "203.0.113.9" not in log


def test_one_address_cannot_hold_every_connection(site: Site) -> None:
    [path, *_] = socket_paths("crowd")
    crowd = [site.upgrade(path, "127.0.0.5") for _ in range(CONNECTIONS_PER_ADDRESS)]
    try:
        assert {status for status, _ in crowd} == {101}
        status, refused = site.upgrade(path, "127.0.0.5")
        refused.close()
        assert status == 429
        ping(site.connect(path, source="127.0.0.6"))  # another address still gets in
    finally:
        for _, connection in crowd:
            connection.close()
    assert "limiting connections" in (site.folder / "error.log").read_text()


def test_handshakes_that_never_end_are_cut_off(site: Site) -> None:
    """Half-sent requests hold nothing for long, and nobody else waits on them."""
    half_open = []
    for _ in range(HALF_OPEN):
        raw = socket.create_connection(
            (HOST, site.port), source_address=("127.0.0.7", 0)
        )
        connection = TLS.wrap_socket(raw, server_hostname="localhost")
        connection.sendall(b"GET /ws/ HTTP/1.1\r\nHost: localhost\r\n")
        connection.settimeout(HEADER_TIMEOUT + 5)
        half_open.append(connection)
    started = time.monotonic()
    assert site.get("/", source="127.0.0.8").status == 200
    for connection in half_open:
        assert connection.recv(1024) == b""  # closed by nginx, unanswered
        connection.close()
    assert HEADER_TIMEOUT - 1 < time.monotonic() - started < HEADER_TIMEOUT + 5


def test_a_restart_drains_to_the_other_server(
    site: Site, quiet_socket: tuple[ClientConnection, float, WebServer]
) -> None:
    *_, quiet_server = quiet_socket
    [restarted] = [server for server in site.servers if server is not quiet_server]
    assert restarted.process is not None
    [path, *_] = socket_paths("drain")
    clients = [site.connect(path) for _ in range(8)]
    for websocket in clients:
        ping(websocket)

    stopping = time.monotonic()
    restarted.process.terminate()
    restarted.process.wait(timeout=10)
    assert time.monotonic() - stopping < 5
    # A graceful exit (uvicorn then re-raises SIGTERM: -15 is its status).
    assert "Finished server process" in restarted.log.read_text()

    closed = [websocket for websocket in clients if wait_for_close(websocket, 1)[0]]
    assert closed, "no client was on the restarted server"
    assert {websocket.close_code for websocket in closed} == {1012}
    reconnecting, retries = time.monotonic(), 0
    for _ in closed:  # as the page's socket helper does
        try:
            websocket = site.connect(path, open_timeout=GIVE_UP_AFTER)
        except (TimeoutError, AssertionError):  # unanswered, or hung up on: again
            retries += 1
            websocket = site.connect(path, open_timeout=GIVE_UP_AFTER)
        ping(websocket)
    assert retries <= 1
    assert time.monotonic() - reconnecting < 3 + GIVE_UP_AFTER * retries
    for websocket in clients:
        if websocket not in closed:
            ping(websocket)

    restarted.start()
    assert site.get("/").status == 200


def test_a_quiet_socket_outlives_nginxs_default_timeout(
    site: Site, quiet_socket: tuple[ClientConnection, float, WebServer]
) -> None:
    websocket, opened, _ = quiet_socket
    time.sleep(max(0.0, opened + 2 * NGINX_DEFAULT_READ_TIMEOUT + 1 - time.monotonic()))
    ping(websocket)
