"""The production server, started for real: the documented uvicorn command.

The README's command and the Dockerfile's ``CMD`` must agree; the server that
serves this module runs that command (on a free port) with no
``DJANGO_SETTINGS_MODULE``: what it serves proves that ``config/asgi.py`` picks
the production settings by itself. A real HTTP client and a real websocket
client (the ``websockets`` package) talk to it the way a browser behind an
HTTPS proxy would. The server is shared with the session (core.tests.servers).
"""

import json
import shlex
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus

from core.tests.checks import first_socket_path
from core.tests.faults import receive_frame
from core.tests.processes import HOST, free_port
from core.tests.servers import (
    ADMIN_URL,
    Server,
    documented_server_command,
    production_environment,
)

HTTPS = {"X-Forwarded-Proto": "https"}
FOREIGN_ORIGIN = "https://evil.example"
FOREIGN_HOST = "evil.example"


def readme_server_command(port: int) -> list[str]:
    """The README's production command, as the bake's own uvicorn runs it."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    commands = [
        shlex.split(line)
        for line in readme.replace("\\\n", " ").splitlines()
        if line.startswith("uv run uvicorn config.asgi:application")
    ]
    assert len(commands) == 1, "the README gives one production server command"
    arguments = commands[0][3:]  # after "uv run uvicorn"
    assert arguments[arguments.index("--host") + 1] == HOST, "local until proxied"
    arguments[arguments.index("--port") + 1] = str(port)
    return [str(Path(sys.executable).parent / "uvicorn"), *arguments]


@pytest.fixture
def server(documented_server: Server) -> Server:
    return documented_server


def assert_refused(
    server: Server, path: str, origin: str, host: str | None = None
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        server.connect(path, origin, host).close()
    assert refused.value.response.status_code == 403


def assert_stops_with_one_line(
    command: list[str], env: dict[str, str], line_start: str
) -> None:
    result = subprocess.run(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    output = (result.stdout + result.stderr).strip().splitlines()
    assert len(output) == 1, output
    assert output[0].startswith(line_start), output


def test_the_readme_and_the_dockerfile_run_the_same_command() -> None:
    port = free_port()

    assert readme_server_command(port) == documented_server_command(port)


def test_without_a_secret_key_the_server_stops_with_one_line() -> None:
    # Empty rather than unset, so that a .env file cannot fill it in.
    env = production_environment(DJANGO_SECRET_KEY="")

    assert_stops_with_one_line(
        readme_server_command(free_port()), env, "DJANGO_SECRET_KEY is not set"
    )


def test_without_a_secret_key_manage_py_stops_with_one_line() -> None:
    env = production_environment(
        DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=""
    )

    assert_stops_with_one_line(
        [sys.executable, "manage.py", "check"], env, "DJANGO_SECRET_KEY is not set"
    )


def test_a_malformed_admin_url_stops_with_one_line() -> None:
    env = production_environment(DJANGO_ADMIN_URL="/admin")

    assert_stops_with_one_line(
        [sys.executable, "manage.py", "check"], env, "DJANGO_ADMIN_URL='/admin'"
    )


def test_health_probe_needs_neither_an_allowed_host_nor_https(server: Server) -> None:
    response = server.get("/healthz/", {"Host": "container-probe"})

    assert (response.status, response.body) == (200, b"ok\n")


def test_plain_http_is_redirected_to_https(server: Server) -> None:
    response = server.get("/", {"Host": HOST})

    assert response.status == 301
    assert response.headers["Location"] == f"https://{HOST}/"


def test_an_unknown_page_gets_the_plain_404_not_the_debug_page(
    server: Server,
) -> None:
    response = server.get("/no-such-page/", {"Host": HOST, **HTTPS})

    assert response.status == 404
    assert b"URLconf" not in response.body
    assert b"DEBUG = True" not in response.body


def test_pages_carry_the_security_headers(server: Server) -> None:
    response = server.get("/", {"Host": HOST, **HTTPS})

    assert response.status == 200
    assert "max-age=" in response.headers.get("Strict-Transport-Security", "")
    policy = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy
    assert f"wss://{HOST}" in policy


def test_the_admin_is_at_its_configured_path_with_a_secure_cookie(
    server: Server,
) -> None:
    assert server.get("/admin/login/", {"Host": HOST, **HTTPS}).status == 404

    response = server.get(f"/{ADMIN_URL}login/", {"Host": HOST, **HTTPS})

    assert response.status == 200
    cookies = response.headers.get_all("Set-Cookie") or []
    csrf_cookie = next(cookie for cookie in cookies if cookie.startswith("csrftoken="))
    assert "Secure" in csrf_cookie


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
            frame = receive_frame(websocket, "pong")

        assert frame["action"] == "pong"


def test_a_page_of_a_foreign_site_is_refused(server: Server) -> None:
    assert_refused(server, first_socket_path() or "/ws/", FOREIGN_ORIGIN)
    assert server.get("/healthz/").status == 200


def test_a_handshake_for_a_foreign_host_is_refused(server: Server) -> None:
    path = first_socket_path() or "/ws/"
    assert_refused(server, path, server.origin, host=FOREIGN_HOST)
    assert_refused(server, path, "", host=FOREIGN_HOST)


def test_an_unparsable_origin_is_refused_without_an_error(server: Server) -> None:
    assert_refused(server, first_socket_path() or "/ws/", "http://[")
    assert server.get("/healthz/").status == 200
