"""Rate limits: at most so many events in each period, for each key.

A ``RateLimiter`` counts in a Django cache. The default cache is Redis when
``REDIS_URL`` is set, so every server process adds to the same counts; a
limiter that counts for one connection only can be given a cache of its own
process (``LocMemCache``) and never leaves it.

Periods are fixed windows on the clock: a limit per minute starts counting
afresh at each full minute, a limit per day at midnight UTC. At a window's edge
a client may use up two windows in quick succession; in exchange, a check is
one atomic increment per limit and needs no clean-up.
"""

import ipaddress
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import BaseCache, caches

from core.authentication import signed_in_user

PERIOD_NAMES = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events in each period of ``per_seconds``."""

    count: int
    per_seconds: int

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"a limit's count cannot be negative (got {self.count})")
        if self.per_seconds < 1:
            raise ValueError(
                f"a limit's period is at least 1 second (got {self.per_seconds})"
            )

    @property
    def period(self) -> str:
        """The period in words: "minute", "day", "90 seconds"."""
        return PERIOD_NAMES.get(self.per_seconds, f"{self.per_seconds} seconds")


@dataclass(frozen=True)
class Verdict:
    """Whether one more event is allowed, and if not, for how long."""

    allowed: bool
    retry_after: int = 0
    """Whole seconds until the refusing limit's window ends (0 when allowed)."""
    refused_by: Limit | None = None


class RateLimiter:
    """Counts events per key against a set of limits.

    Each ``check`` counts one event against every limit, shortest period first,
    and stops at the first one exceeded: an event refused by a per-minute limit
    does not use up the day's allowance.
    """

    def __init__(
        self,
        name: str,
        limits: Sequence[Limit],
        cache: BaseCache | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.name = name
        self.limits = sorted(limits, key=lambda limit: limit.per_seconds)
        self.cache = cache if cache is not None else caches["default"]
        # Looked up here, not at import, so a test can hold the clock still.
        self.clock = clock if clock is not None else time.time

    def check(self, key: str) -> Verdict:
        """Count one event for ``key``; say whether it is within every limit."""
        now = self.clock()
        for limit in self.limits:
            window = int(now // limit.per_seconds)
            seconds_left = (window + 1) * limit.per_seconds - now
            counted = self._increment(
                f"limits:{self.name}:{key}:{limit.per_seconds}:{window}",
                # A second more, so the count outlives any clock skew of the cache.
                expires_in=math.ceil(seconds_left) + 1,
            )
            if counted > limit.count:
                return Verdict(
                    allowed=False,
                    retry_after=max(math.ceil(seconds_left), 1),
                    refused_by=limit,
                )
        return Verdict(allowed=True)

    async def acheck(self, key: str) -> Verdict:
        """``check`` in a thread: the cache may be a network round trip away."""
        return await sync_to_async(self.check, thread_sensitive=False)(key)

    def _increment(self, cache_key: str, expires_in: int) -> int:
        # add() creates the count only if it is missing, and incr() is atomic,
        # so processes counting at once never lose an event.
        if self.cache.add(cache_key, 1, timeout=expires_in):
            return 1
        try:
            return self.cache.incr(cache_key)
        except ValueError:
            # It expired between the two calls: this event opens a new window.
            self.cache.add(cache_key, 1, timeout=expires_in)
            return 1


def client_key(scope: Mapping[str, Any]) -> str:
    """Whom a connection's events count for: its signed-in user, else its address.

    IPv6 clients usually hold a whole /64 network, so they count per network.
    Behind a proxy the address is the one the server was told to believe
    (uvicorn's ``--forwarded-allow-ips``).
    """
    user = signed_in_user(scope)
    if user is not None:
        return f"user:{user.pk}"
    client = scope.get("client")
    host = client[0] if client else None
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return f"address:{host or 'unknown'}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"address:{address.ipv4_mapped}"
        return f"address:{ipaddress.ip_network((address, 64), strict=False)}"
    return f"address:{address}"
