"""Websocket handshakes are checked against ALLOWED_HOSTS, as HTTP requests are."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.core.management import call_command

from config.asgi import application
from core.origins import AllowedHostsValidator
from core.tests.checks import first_socket_path

# A consumer that accepts may touch the database (chanx closes stale connections).
pytestmark = pytest.mark.django_db

ALLOWED_HOST = b"localhost:8000"
FOREIGN_HOST = b"evil.example"


class AcceptingConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()


def socket_behind_the_check() -> tuple[Any, str]:
    """The project's first socket, or with no app a socket that accepts anyone,
    behind the same check."""
    path = first_socket_path()
    if path is None:
        return AllowedHostsValidator(AcceptingConsumer.as_asgi()), "/ws/"
    return application, path


@async_to_sync
async def handshake(
    headers: list[tuple[bytes, bytes]],
    app: Any = application,
    path: str = "/ws/",
    server: tuple[str, int] | None = None,
) -> bool:
    communicator = WebsocketCommunicator(app, path, headers=headers)
    if server is not None:
        communicator.scope["server"] = server
    connected, _ = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected


def test_handshake_from_a_foreign_origin_is_refused() -> None:
    assert not handshake([(b"origin", b"https://evil.example")])


def test_handshake_from_a_lookalike_origin_is_refused() -> None:
    assert not handshake([(b"origin", b"http://localhost.evil.example")])


@pytest.mark.parametrize("origin", [b"http://[", b"null", b"\xff\xfe", b""])
def test_an_unparsable_origin_is_refused(origin: bytes) -> None:
    app, path = socket_behind_the_check()

    assert not handshake([(b"host", ALLOWED_HOST), (b"origin", origin)], app, path)


@pytest.mark.parametrize(
    "header", [(b"cookie", b"sessionid=\xff\xfe"), (b"user-agent", b"caf\xe9")]
)
def test_a_header_that_is_not_utf8_is_refused_without_a_traceback(
    header: tuple[bytes, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    app, path = socket_behind_the_check()

    assert not handshake([(b"host", ALLOWED_HOST), header], app, path)
    assert not [record for record in caplog.records if record.exc_info]


def test_handshake_for_an_allowed_host_is_accepted() -> None:
    app, path = socket_behind_the_check()

    assert handshake([(b"host", ALLOWED_HOST)], app, path)
    assert handshake(
        [(b"host", ALLOWED_HOST), (b"origin", b"http://localhost:8000")], app, path
    )


def test_an_origin_on_another_scheme_or_port_is_refused() -> None:
    app, path = socket_behind_the_check()
    host = (b"host", ALLOWED_HOST)

    assert not handshake([host, (b"origin", b"http://localhost:9999")], app, path)
    assert not handshake([host, (b"origin", b"https://localhost:8000")], app, path)
    assert not handshake([host, (b"origin", b"http://localhost")], app, path)


def test_handshake_for_a_foreign_host_is_refused() -> None:
    app, path = socket_behind_the_check()

    assert not handshake(
        [(b"host", FOREIGN_HOST), (b"origin", b"http://localhost")], app, path
    )


def test_handshake_for_a_foreign_host_without_an_origin_is_refused() -> None:
    app, path = socket_behind_the_check()

    assert not handshake([(b"host", FOREIGN_HOST)], app, path)


def test_without_a_host_header_the_server_address_is_checked() -> None:
    app, path = socket_behind_the_check()

    assert handshake([], app, path, server=("127.0.0.1", 8000))
    assert not handshake([], app, path, server=("10.1.2.3", 8000))


def test_repeated_host_or_origin_headers_are_refused() -> None:
    app, path = socket_behind_the_check()
    host = (b"host", ALLOWED_HOST)
    origin = (b"origin", b"http://localhost:8000")

    assert not handshake([host, (b"host", FOREIGN_HOST)], app, path)
    assert not handshake(
        [host, origin, (b"origin", b"https://evil.example")], app, path
    )


def test_system_check_is_clean() -> None:
    call_command("check", fail_level="WARNING")
