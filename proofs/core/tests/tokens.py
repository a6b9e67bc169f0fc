"""Tokens for programs, made as the docs say: ``manage.py drf_create_token``."""

from io import StringIO

from asgiref.sync import sync_to_async
from django.core.management import call_command

from core.tests.sessions import make_user


def token_from_command(username: str, *options: str) -> str:
    """The key ``drf_create_token`` prints for ``username`` (``-r``: a new one)."""
    output = StringIO()
    call_command("drf_create_token", username, *options, stdout=output)
    printed = output.getvalue().split()  # "Generated token <key> for user <name>"
    assert printed[:2] == ["Generated", "token"], printed
    return printed[2]


def token_header(key: str) -> tuple[bytes, bytes]:
    """The handshake header a program signs in with."""
    return (b"authorization", f"Token {key}".encode())


async def token_headers(username: str) -> list[tuple[bytes, bytes]]:
    """Handshake headers of a new user ``username``, signed in by token."""

    def make() -> str:
        make_user(username)
        return token_from_command(username)

    return [token_header(await sync_to_async(make)())]
