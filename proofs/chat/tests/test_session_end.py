"""Sockets end with their session, on every server process: two real servers on
one Redis and one database; a sign-out through the real page closes that
session's sockets on both with 4401 within a second, and a password change or a
deactivation (saved by another process) closes every socket of the user. A
program's socket signed in with a token lasts until that token is deleted or its
user deactivated."""

import http.cookiejar
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from core.tests.faults import own_redis, ping, project_environment, uvicorn
from core.tests.processes import HOST
from core.tests.servers import Server
from core.tests.sessions import PASSWORD

pytestmark = pytest.mark.redis_processes

ROOM = "/ws/chat/lobby/"
WITHIN = 1.0  # the promise: closed within a second
NEW_PASSWORD = "a whole new secret 42"
IMPORT_USER = "from django.contrib.auth.models import User\n"


def manage(environment: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout


def save_ada(environment: dict[str, str], change: str) -> None:
    """Change user ada in another process, as the admin or a script would."""
    script = f"user = User.objects.get(username='ada')\n{change}\nuser.save()\n"
    manage(environment, "shell", "-c", IMPORT_USER + script)


class Browser:
    """A browser's cookies against one server: signs in and out through the pages."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies)
        )

    def cookie(self, name: str) -> str:
        return next(c.value or "" for c in self.cookies if c.name == name)

    def post(self, path: str, fields: dict[str, str]) -> None:
        if not any(cookie.name == "csrftoken" for cookie in self.cookies):
            self.opener.open(f"http://{HOST}:{self.server.port}{path}", timeout=10)
        body = {"csrfmiddlewaretoken": self.cookie("csrftoken"), **fields}
        request = urllib.request.Request(
            f"http://{HOST}:{self.server.port}{path}",
            data=urllib.parse.urlencode(body).encode(),
        )
        self.opener.open(request, timeout=10).read()

    def sign_in(self, password: str) -> None:
        self.post("/accounts/login/", {"username": "ada", "password": password})
        assert self.cookie(settings.SESSION_COOKIE_NAME)

    def sign_out(self) -> None:
        self.post("/accounts/logout/", {})

    def socket(self, server: Server) -> ClientConnection:
        session = self.cookie(settings.SESSION_COOKIE_NAME)
        websocket = connect(
            f"{server.url}{ROOM}",
            origin=Origin(server.origin),
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"},
            open_timeout=5,
        )
        ping(websocket)  # open, signed in, and in the user's group
        return websocket


def token_socket(server: Server, key: str) -> ClientConnection:
    websocket = connect(
        f"{server.url}{ROOM}",
        additional_headers={"Authorization": f"Token {key}"},
        open_timeout=5,
    )
    ping(websocket)
    return websocket


def new_token(environment: dict[str, str]) -> str:
    """A new token for ada, the old one deleted (``drf_create_token -r``)."""
    return manage(environment, "drf_create_token", "-r", "ada").split()[2]


def closed_within(websockets: list[ClientConnection]) -> list[int | None]:
    """Each socket's close code, once closed or ``WITHIN`` seconds have passed."""
    deadline = time.monotonic() + WITHIN
    for websocket in websockets:
        try:
            while True:
                websocket.recv(timeout=max(deadline - time.monotonic(), 0.001))
        except Exception:  # closed, or still open at the deadline
            pass
    return [websocket.close_code for websocket in websockets]


def test_sockets_end_with_their_session_on_every_server(tmp_path: Path) -> None:
    with own_redis(tmp_path) as redis:
        environment = project_environment(
            tmp_path,
            redis.url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            # Plain HTTP on 127.0.0.1: cookies a client sends back over it.
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SESSION_COOKIE_SECURE="false",
            DJANGO_CSRF_COOKIE_SECURE="false",
            DJANGO_STATIC_ROOT=str(tmp_path / "static"),  # the pages need theirs
        )
        manage(environment, "migrate", "--noinput")
        manage(environment, "collectstatic", "--noinput", "-v0")
        make_ada = f"User.objects.create_user('ada', password={PASSWORD!r})"
        manage(environment, "shell", "-c", IMPORT_USER + make_ada)
        with (
            uvicorn(tmp_path, environment) as first,
            uvicorn(tmp_path, environment) as second,
        ):
            leaving, staying = Browser(first), Browser(second)
            leaving.sign_in(PASSWORD)
            staying.sign_in(PASSWORD)
            leaving_sockets = [leaving.socket(server) for server in (first, second)]
            staying_sockets = [staying.socket(server) for server in (first, second)]
            key = new_token(environment)
            programs = [token_socket(server, key) for server in (first, second)]

            leaving.sign_out()
            assert closed_within(leaving_sockets) == [4401, 4401]
            for websocket in staying_sockets:  # another session of the same user
                ping(websocket)

            save_ada(environment, f"user.set_password({NEW_PASSWORD!r})")
            assert closed_within(staying_sockets) == [4401, 4401]
            for websocket in programs:  # a token outlives the password
                ping(websocket)

            key = new_token(environment)
            assert closed_within(programs) == [4401, 4401]

            again = Browser(first)
            again.sign_in(NEW_PASSWORD)
            sockets = [again.socket(server) for server in (first, second)]
            sockets.append(token_socket(second, key))
            save_ada(environment, "user.is_active = False")
            assert closed_within(sockets) == [4401, 4401, 4401]
