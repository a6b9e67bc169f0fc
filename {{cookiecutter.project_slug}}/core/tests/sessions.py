"""Signed-in users for socket tests: a real session, sent as a browser would."""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.test import Client


def make_user(username: str) -> AbstractBaseUser:
    user: AbstractBaseUser = get_user_model().objects.create_user(
        username=username, password="correct horse battery staple"
    )
    return user


def session_cookie(user: AbstractBaseUser) -> tuple[bytes, bytes]:
    """A ``Cookie`` header carrying a session signed in as ``user``."""
    client = Client()
    client.force_login(user)
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_id}".encode())


async def signed_in_headers(username: str) -> list[tuple[bytes, bytes]]:
    """Handshake headers of a new user ``username``, signed in."""

    def sign_in() -> tuple[bytes, bytes]:
        return session_cookie(make_user(username))

    return [await sync_to_async(sign_in)()]
