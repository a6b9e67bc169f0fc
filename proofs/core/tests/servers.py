"""Real servers for tests: the documented production command, run for real.

The command is the Dockerfile's ``CMD`` (the README gives the same flags, which
``core/tests/test_server.py`` checks), on 127.0.0.1 and a free port, so the
flags the tests prove are the deployed ones.

Starting a server costs a second or more of a core. So the servers that tests
only talk to are started once per session, in the background, as soon as
collection shows a test needs one; the tests that need none run first, and by
the time the others run the servers are up. Such a test asks for the fixture
``documented_server`` (or ``websockets_server``: the same command on uvicorn's
other websocket implementation; ``server_per_implementation`` gives each in
turn), or ``development_server`` (``manage.py runserver``, for the browser
tests). Tests that stop, fault or load a server start their own with
``running_server``. Apps add what their sockets need to the servers'
environment with the ``pytest_server_environment`` hook.
"""

import atexit
import functools
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from core.tests.processes import HOST, free_port, stop, wait_until_listening

# A server gets this long to start: generous, as a busy machine starts it
# slowly and a failure to start is what counts.
START_TIMEOUT = 60.0
# The admin's path on the shared servers (production has no default).
ADMIN_URL = f"staff-{secrets.token_hex(4)}/"
# Senders in tests send far faster than anybody types, from one address: tests
# on the shared servers measure delivery, not the per-client limits.
UNLIMITED_FRAMES = {
    "SOCKET_FRAMES_PER_SECOND": "100000",
    "SOCKET_FRAMES_PER_MINUTE": "1000000",
    "SOCKETS_PER_ADDRESS": "100000",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: drives a real browser against a live server (pytest -m e2e)"
    )
    config.addinivalue_line(
        "markers",
        "redis_processes: starts server, worker or Redis processes that share or"
        " fault a Redis (collected only with REDIS_URL)",
    )


def documented_server_command(port: int, *options: str) -> list[str]:
    """The Dockerfile's ``CMD`` on 127.0.0.1 and ``port``; ``options`` replace
    the values of the flags they name (``"--ws", "websockets"``, say)."""
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    found = re.search(r"^CMD (\[.*\])\s*$", dockerfile, re.MULTILINE)
    assert found, "the Dockerfile has no CMD in JSON form"
    command: list[str] = json.loads(found[1])
    assert command[0] == "uvicorn", command
    replacements = [("--host", HOST), ("--port", str(port))]
    replacements += list(zip(options[::2], options[1::2], strict=True))
    for flag, value in replacements:
        command[command.index(flag) + 1] = value
    return [str(Path(sys.executable).parent / "uvicorn"), *command[1:]]


@functools.cache
def migrated_database() -> str:
    """``DATABASE_URL`` if set, else a SQLite file of the session's own, migrated
    once: chat rooms store their history, so servers need their tables."""
    if "DATABASE_URL" in os.environ:
        return os.environ["DATABASE_URL"]
    folder = Path(tempfile.mkdtemp(prefix="servers-db-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    url = f"sqlite:///{folder / 'db.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        timeout=120,
    )
    return url


def production_environment(**variables: str) -> dict[str, str]:
    """This environment with a fresh key and no settings module named.

    pytest-django names the test settings in ``os.environ``; left there, the
    server would run them instead of choosing production by itself.
    """
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name != "DJANGO_SETTINGS_MODULE"
    }
    return {
        **inherited,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": migrated_database(),
        **variables,
    }


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass(frozen=True)
class Server:
    """A running server: its port and its log."""

    port: int
    log: Path

    @property
    def origin(self) -> str:
        """What a page this server sent would give as its ``Origin``."""
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            connection.request("GET", path, headers=dict(headers or {}))
            response = connection.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()

    def status(self, path: str) -> int:
        return self.get(path).status

    def connect(
        self, path: str, origin: str | None = None, host: str | None = None
    ) -> ClientConnection:
        """A websocket to ``path`` as a page of ``origin`` would open it (this
        server's own by default, none if empty), sending ``Host: host`` if given."""
        origin = self.origin if origin is None else origin
        return connect(
            f"ws://{host or HOST}:{self.port}{path}",
            sock=socket.create_connection((HOST, self.port), timeout=5),
            origin=Origin(origin) if origin else None,
            open_timeout=5,
        )

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, size: int) -> str:
        """What the server logged after its log had ``size`` bytes."""
        with self.log.open("rb") as log:
            log.seek(size)
            return log.read().decode(errors="replace")


def launch(
    command: Callable[[int], list[str]], log: Path, environment: Mapping[str, str]
) -> tuple[int, "subprocess.Popen[bytes]"]:
    """Start ``command`` for a free port, logging to ``log``; return the port
    and the process."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command(port),
            cwd=settings.BASE_DIR,
            env=dict(environment),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return port, process


def wait_until_serving(server: Server, process: "subprocess.Popen[bytes]") -> None:
    try:
        wait_until_listening(server.port, process, timeout=START_TIMEOUT)
    except (RuntimeError, TimeoutError) as error:
        pytest.fail(f"the server did not start ({error}):\n{server.log.read_text()}")


Started = list[tuple[Server, "subprocess.Popen[bytes]"]]


def stop_and_check(started: Started) -> None:
    """Stop the servers; each must have run until now and logged no traceback."""
    still_running = [process.poll() is None for _, process in started]
    for _, process in started:
        stop(process)
    for (server, _), running in zip(started, still_running, strict=True):
        written = server.log.read_text()
        assert running, f"the server stopped early:\n{written}"
        assert "Traceback" not in written, written


@contextmanager
def serving(
    logs: list[Path], environment: Mapping[str, str] | None
) -> Generator[list[Server], None, None]:
    """Servers of the test's own, one per log, started side by side (sharing
    Redis through ``REDIS_URL``); production settings with unlimited frames
    unless ``environment`` says otherwise. On the way out each must still run,
    its log clean."""
    environment = environment or production_environment(**UNLIMITED_FRAMES)
    started: Started = []
    try:
        for log in logs:
            port, process = launch(documented_server_command, log, environment)
            started.append((Server(port, log), process))
        for server, process in started:
            wait_until_serving(server, process)
        yield [server for server, _ in started]
    except BaseException:
        for _, process in started:
            stop(process)
        raise
    stop_and_check(started)


@contextmanager
def running_servers(
    count: int, folder: Path, environment: Mapping[str, str] | None = None
) -> Generator[list[Server], None, None]:
    """``count`` servers of the test's own, logging into ``folder``."""
    logs = [folder / f"server-{number}.log" for number in range(count)]
    with serving(logs, environment) as servers:
        yield servers


@contextmanager
def running_server(
    log: Path, environment: Mapping[str, str] | None = None
) -> Generator[Server, None, None]:
    """One server of the test's own."""
    with serving([log], environment) as [server]:
        yield server


def development_server_command(port: int) -> list[str]:
    """``manage.py runserver`` as a developer runs it, without the reloader."""
    return [sys.executable, "manage.py", "runserver", f"{HOST}:{port}", "--noreload"]


@dataclass(frozen=True)
class SharedServer:
    """How one of the shared servers starts: its command for a port, and
    whether it runs production (else development) settings."""

    command: Callable[[int], list[str]]
    production: bool = True


# The servers a session shares, by the name of the fixture that hands them out.
SHARED_SERVERS = {
    "documented_server": SharedServer(documented_server_command),
    "websockets_server": SharedServer(
        lambda port: documented_server_command(port, "--ws", "websockets")
    ),
    "development_server": SharedServer(development_server_command, production=False),
}


class SharedServers:
    """The shared servers a session's tests need, started in the background."""

    def __init__(self, config: pytest.Config, names: set[str]) -> None:
        self.directory = tempfile.TemporaryDirectory(prefix="servers-")
        self.folder = Path(self.directory.name)
        from_apps: dict[str, str] = {}
        for variables in config.hook.pytest_server_environment(config=config):
            from_apps |= variables
        self.environments = {
            True: self.production_environment() | from_apps,
            False: self.development_environment() | from_apps,
        }
        self.started: dict[str, tuple[Server, subprocess.Popen[bytes]]] = {}
        self.starting = threading.Thread(target=self.start, args=(sorted(names),))
        self.starting.start()

    def production_environment(self) -> dict[str, str]:
        """Production as deployed, with what the tests rely on."""
        return production_environment(
            # Pages need their static files collected, as a deployment does.
            DJANGO_STATIC_ROOT=str(self.folder / "static"),
            DJANGO_ADMIN_URL=ADMIN_URL,
            # What the tests rely on, whatever a .env file says.
            DJANGO_SECURE_SSL_REDIRECT="true",
            DJANGO_SECURE_PROXY_SSL_HEADER="true",
            DJANGO_CSRF_COOKIE_SECURE="true",
            DJANGO_ASYNCAPI_PUBLIC="false",
            # A reader that stops reading is dropped after half a second.
            SOCKET_SEND_TIMEOUT="0.5",
            **UNLIMITED_FRAMES,
        )

    def development_environment(self) -> dict[str, str]:
        """Development settings, as ``manage.py runserver`` has them."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            "DATABASE_URL": migrated_database(),
        }

    def start(self, names: list[str]) -> None:
        if any(SHARED_SERVERS[name].production for name in names):
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=settings.BASE_DIR,
                env={
                    **self.environments[True],
                    "DJANGO_SETTINGS_MODULE": "config.settings.production",
                },
                check=True,
                timeout=120,
            )
        for name in names:
            shared = SHARED_SERVERS[name]
            log = self.folder / f"{name}.log"
            port, process = launch(
                shared.command, log, self.environments[shared.production]
            )
            self.started[name] = (Server(port, log), process)

    def server(self, name: str) -> Server:
        self.starting.join()
        assert name in self.started, f"{name} was not started (collectstatic failed?)"
        server, process = self.started[name]
        wait_until_serving(server, process)
        return server

    def check_and_stop(self, name: str) -> None:
        stop_and_check([self.started.pop(name)])

    def stop_all(self) -> None:
        self.starting.join()
        for _, process in self.started.values():
            stop(process)
        self.directory.cleanup()


SHARED = pytest.StashKey[SharedServers]()


class ServerHooks:
    @pytest.hookspec
    def pytest_server_environment(self, config: pytest.Config) -> dict[str, str]:  # type: ignore[empty-body]
        """Variables an app's sockets need on the shared servers."""


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(ServerHooks)


def shared_servers_needed(item: pytest.Item) -> set[str]:
    """The shared servers ``item`` asks for, by fixture or by parameter."""
    names: set[str] = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        names |= {value for value in callspec.params.values() if isinstance(value, str)}
    return names & SHARED_SERVERS.keys()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need no shared server first, while the servers start."""
    items.sort(key=lambda item: bool(shared_servers_needed(item)))


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    names = set().union(*(shared_servers_needed(item) for item in session.items))
    if names:
        shared = SharedServers(session.config, names)
        session.config.stash[SHARED] = shared
        session.config.add_cleanup(shared.stop_all)


def shared_server(request: pytest.FixtureRequest, name: str) -> Iterator[Server]:
    shared = request.config.stash[SHARED]
    yield shared.server(name)
    shared.check_and_stop(name)


@pytest.fixture(scope="session")
def documented_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """The documented command, shared by the session; production settings."""
    yield from shared_server(request, "documented_server")


@pytest.fixture(scope="session")
def websockets_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """The documented command on uvicorn's ``websockets`` implementation."""
    yield from shared_server(request, "websockets_server")


@pytest.fixture(params=["documented_server", "websockets_server"])
def server_per_implementation(request: pytest.FixtureRequest) -> Server:
    """The documented command on each of uvicorn's websocket implementations."""
    server: Server = request.getfixturevalue(request.param)
    return server


@pytest.fixture(scope="session")
def development_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """``manage.py runserver`` with the development settings, shared by the session."""
    yield from shared_server(request, "development_server")
