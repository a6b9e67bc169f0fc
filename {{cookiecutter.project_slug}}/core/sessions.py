"""Sockets end with their session: a sign-out, a password change, a deactivation or a
deleted token is told to the user's group (``user_group_name``, joined by each of their
sockets on any server), and each socket whose session or token no longer signs the user
in closes with 4401, as chanx's refusals. Tokens outlive passwords, as over HTTP."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.auth import get_user
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from core.outage import redis_failure_reported

CLOSE_SIGNED_OUT, SIGNED_OUT = 4401, "Your session has ended. Sign in again."


def user_group_name(user_pk: object) -> str:
    return f"user.{user_pk}"


def tell_sockets(user_pk: object, ended: str | None) -> None:
    """Have the user's sockets check their session (``ended``: the one that ended)."""
    event = {"type": "session.ended", "ended": ended}
    with redis_failure_reported():  # an outage closes the sockets anyway
        async_to_sync(get_channel_layer().group_send)(user_group_name(user_pk), event)  # type: ignore[union-attr]


@receiver(user_logged_out)
def signed_out(request: Any, user: Any, **_: Any) -> None:
    if user is not None:
        tell_sockets(user.pk, request.session.session_key)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def user_saved(instance: Any, update_fields: Any = None, **_: Any) -> None:
    if update_fields != {"last_login"}:  # saved at each sign-in: nothing ends
        transaction.on_commit(lambda: tell_sockets(instance.pk, None))  # once saved


@receiver(post_delete, sender=Token)
def token_deleted(instance: Token, **_: Any) -> None:
    transaction.on_commit(lambda: tell_sockets(instance.user_id, None))  # pyright: ignore[reportAttributeAccessIssue]


async def session_ended(scope: Any, event: dict[str, Any]) -> bool:
    """Whether the socket's session or token ended, or no longer signs its user in."""
    if key := scope.get("token_key"):
        return not await Token.objects.filter(key=key, user__is_active=True).aexists()
    session = scope.get("session")
    key = getattr(session, "session_key", None)
    if key is None or event["ended"]:
        return key is not None and event["ended"] == key
    fresh: Any = {"session": session.__class__(key)}  # read anew
    return bool((await get_user(fresh)).pk != scope["user"].pk)
