"""Names a visitor cannot take: a member's user name, in any case, or anything
that looks like one by Unicode's confusable skeleton (UTS #39).

A skeleton cannot be computed in a query, so each member's readings are kept,
hashed, in ``TakenName`` (refreshed when the user name is saved): checking a
visitor's name is one indexed lookup, however many members there are."""

from hashlib import sha256
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from icu import SpoofChecker  # pyright: ignore[reportAttributeAccessIssue]

from chat.models import TakenName

USERNAME: str = getattr(get_user_model(), "USERNAME_FIELD", "username")  # untyped
SPOOF_CHECKER = SpoofChecker()  # ICU's UTS #39, the reference implementation


def skeleton(name: str) -> str:
    return str(SPOOF_CHECKER.getSkeleton(0, name))  # 0: the one table UTS #39 keeps


def readings(name: str) -> set[str]:
    """How a name reads, hashed: its skeleton case-folded both before and after,
    so "ALICE", "AIice" (a capital i) and "alice" with a Cyrillic a read as "alice"."""
    seen = {skeleton(name.casefold()), skeleton(skeleton(name).casefold())}
    return {sha256(reading.encode()).hexdigest() for reading in seen}


def is_taken(name: str) -> bool:
    """Whether a visitor's name is, or looks like, a member's user name."""
    return TakenName.objects.filter(reading__in=readings(name)).exists()


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def remember(instance: AbstractBaseUser, update_fields: Any = None, **_: Any) -> None:
    """Keep a member's readings current."""
    if update_fields is not None and USERNAME not in update_fields:
        return  # a save that leaves the name alone, e.g. last_login on signing in
    with transaction.atomic():  # never a moment without them
        TakenName.objects.filter(user_id=instance.pk).delete()
        TakenName.objects.bulk_create(
            TakenName(user_id=instance.pk, reading=reading)
            for reading in readings(instance.get_username())
        )
