"""Sockets end with their session. Signing out, a password change or a
deactivation tells the user's group (which each of their sockets joins, on any
server process); each socket whose session no longer signs the user in closes
with 4401, as chanx closes an unauthenticated one."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.auth import get_user
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.outage import is_redis_failure, report_outage

CLOSE_SIGNED_OUT = 4401
SIGNED_OUT = "Your session has ended. Sign in again."


def user_group_name(user_pk: object) -> str:
    """The group every socket of the signed-in user ``user_pk`` joins."""
    return f"user.{user_pk}"


def tell_sockets(user_pk: object, ended: str | None) -> None:
    """Have the user's sockets check their session; ``ended``: one that ended."""
    try:
        event = {"type": "session.ended", "ended": ended}
        async_to_sync(get_channel_layer().group_send)(user_group_name(user_pk), event)  # type: ignore[union-attr]
    except Exception as error:  # the outage closes the sockets anyway
        if not is_redis_failure(error):
            raise
        report_outage(error)


@receiver(user_logged_out)
def signed_out(request: Any, user: Any, **_: Any) -> None:
    if user is not None:
        tell_sockets(user.pk, request.session.session_key)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def user_saved(instance: Any, update_fields: Any = None, **_: Any) -> None:
    if update_fields != {"last_login"}:  # saved at each sign-in
        # Once committed, so that the sockets read what was saved.
        transaction.on_commit(lambda: tell_sockets(instance.pk, None))


async def session_ended(scope: Any, event: dict[str, Any]) -> bool:
    """Whether the socket's session ended, or no longer signs its user in."""
    session = scope.get("session")
    if session is None or session.session_key is None:
        return False
    if event["ended"] is not None:
        return bool(event["ended"] == session.session_key)
    fresh: Any = {"session": session.__class__(session.session_key)}  # read anew
    user = await get_user(fresh)
    return bool(user.pk != scope["user"].pk)
