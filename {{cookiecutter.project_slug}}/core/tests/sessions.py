"""Signed-in users for socket tests: a real session, sent as a browser would."""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

PASSWORD = "correct horse battery staple"


def make_user(username: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD)


def session_cookie(user: User) -> tuple[bytes, bytes]:
    """A ``Cookie`` header carrying a session signed in as ``user``."""
    client = Client()
    client.force_login(user)
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_id}".encode())


async def signed_in_headers(username: str) -> list[tuple[bytes, bytes]]:
    """Handshake headers of a new user ``username``, signed in."""
    return [await sync_to_async(lambda: session_cookie(make_user(username)))()]
