"""A room's messages stored, and read back for a member joining or coming back.

Retention needs no scheduler: every PRUNE_EVERY-th write prunes its room,
keeping its newest message always, so the room's numbering goes on."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from chat.models import ChatMessage

PRUNE_EVERY = 20  # a room may hold that many over CHAT_HISTORY_PER_ROOM


def too_old() -> Q:
    """Messages older than CHAT_HISTORY_DAYS (none, when it is 0)."""
    days = settings.CHAT_HISTORY_DAYS
    return Q(sent_at__lt=timezone.now() - timedelta(days=days)) if days else Q(pk=None)


def kept(room: str) -> QuerySet[ChatMessage]:
    return ChatMessage.objects.filter(room=room).exclude(too_old())


def store(room: str, name: str, text: str, member: bool = False) -> ChatMessage:
    """Save a message as the room's next one; prune what retention lets go."""
    while True:
        newest = ChatMessage.objects.filter(room=room).aggregate(seq=Max("seq"))
        try:
            with transaction.atomic():
                stored = ChatMessage.objects.create(
                    room=room,
                    seq=(newest["seq"] or 0) + 1,
                    name=name,
                    message=text,
                    member=member,
                )
            break
        except IntegrityError:  # another server took that number first
            continue
    if stored.seq % PRUNE_EVERY == 0:
        expired = too_old()
        if settings.CHAT_HISTORY_PER_ROOM:
            expired |= Q(seq__lte=stored.seq - settings.CHAT_HISTORY_PER_ROOM)
        ChatMessage.objects.filter(expired, room=room, seq__lt=stored.seq).delete()
    return stored


def missed(room: str, after: int | None) -> tuple[list[ChatMessage], bool]:
    """A newcomer's last CHAT_HISTORY_ON_JOIN messages, or all since ``after`` for
    a client coming back; and whether some of those are no longer kept."""
    if after is None:
        recent = kept(room).order_by("-seq")[: settings.CHAT_HISTORY_ON_JOIN]
        return list(reversed(recent)), False
    since = list(kept(room).filter(seq__gt=after).order_by("seq"))
    if since:
        return since, since[0].seq > after + 1
    newest = ChatMessage.objects.filter(room=room).aggregate(seq=Max("seq"))["seq"]
    return [], (newest or 0) > after
