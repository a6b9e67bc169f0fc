"""Websocket handshakes are checked against ALLOWED_HOSTS, as HTTP requests are."""

from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.management import call_command

from config.asgi import application


@async_to_sync
async def handshake(origin: bytes) -> bool:
    communicator = WebsocketCommunicator(
        application, "/ws/", headers=[(b"origin", origin)]
    )
    connected, _ = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected


def test_handshake_from_a_foreign_origin_is_refused() -> None:
    assert not handshake(b"https://evil.example")


def test_handshake_from_a_lookalike_origin_is_refused() -> None:
    assert not handshake(b"http://localhost.evil.example")


def test_system_check_is_clean() -> None:
    call_command("check", fail_level="WARNING")
