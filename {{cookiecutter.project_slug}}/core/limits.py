"""What one client (``client_key``: a user, else an address) may do over all its
sockets, counted by the ``limits`` library: events in fixed windows (``count``)
and things held at once (``hold``: open sockets, jobs in flight). In Redis when
``REDIS_URL`` is set, so every server process sees the same counts, else in memory."""

import asyncio
import contextlib
import ipaddress
import logging
import math
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessLog
from django.conf import settings
from django.db.models import Sum
from limits import RateLimitItem, RateLimitItemPerHour
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from redis.asyncio import BlockingConnectionPool

from core.authentication import signed_in_user
from core.outage import is_redis_failure, redis_failure_reported, report_outage

logger = logging.getLogger(__name__)

CLOSE_TOO_MANY_SOCKETS = 4429  # 4000 + HTTP's 429, as chanx's 4401 and 4403


@dataclass(frozen=True)
class Refusal:
    limit: str  # the limit exceeded, in words: "10 per second"
    retry_after: int  # whole seconds until its window ends


_limiters: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[str, FixedWindowRateLimiter]]" = weakref.WeakKeyDictionary()


def limiter() -> FixedWindowRateLimiter:
    """This event loop's limiter: a Redis client serves the loop it was made on."""
    url = settings.REDIS_URL
    uri = f"async+{url}" if url else "async+memory://"
    prefix = getattr(settings, "RATE_LIMITS_KEY_PREFIX", "limits")
    loop = asyncio.get_running_loop()
    made = _limiters.get(loop)
    if made is None or made[0] != f"{prefix}@{uri}":
        # A storm of sockets waits its turn for a pooled connection (redis-py's
        # own pool would refuse past 100); all give up soon rather than hang.
        waits = {"timeout": 2, "socket_timeout": 2, "socket_connect_timeout": 2}
        pool: Any = BlockingConnectionPool.from_url(url, **waits) if url else None
        storage = storage_from_string(
            uri, implementation="redispy", key_prefix=prefix, connection_pool=pool
        )
        made = _limiters[loop] = (f"{prefix}@{uri}", FixedWindowRateLimiter(storage))
    return made[1]


async def count(
    name: str, client: str, limits: Sequence[RateLimitItem], fail_open: bool = False
) -> Refusal | None:
    """Count one ``name`` event of ``client``; the first limit it exceeds, if any.
    Shortest period first: an event refused by its minute does not use up its day.
    Without Redis the event is allowed if ``fail_open``, else this raises."""
    counter = limiter()
    for item in sorted(limits, key=lambda item: item.get_expiry()):
        try:
            allowed = await counter.hit(item, name, client)
        except Exception as error:
            if not (fail_open and is_redis_failure(error)):
                raise
            report_outage(error)
            return None
        if not allowed:
            reset, _ = await counter.get_window_stats(item, name, client)
            unit, many = item.GRANULARITY.name, item.multiples
            period = unit if many == 1 else f"{many} {unit}s"
            wait = max(math.ceil(reset - time.time()), 1)
            return Refusal(f"{item.amount} per {period}", wait)
    return None


HELD_FOR = 3600  # a held count outlives its process (killed, say) by an hour at most


async def hold(name: str, client: str, most: int, amount: int = 1) -> Refusal | None:
    """Take (``amount`` -1: give back) one of the ``most`` ``name`` (sockets, jobs)
    ``client`` may hold at once; why not, if over. Without Redis: let through."""
    key = f"held/{name}/{client}"
    with redis_failure_reported():
        held = await limiter().storage.incr(key, HELD_FOR, amount)
        if amount < 0 or held <= most:
            return None
        await limiter().storage.incr(key, HELD_FOR, -1)
        return Refusal(f"{most} at once", 1)
    return None


async def release(name: str, client: str) -> None:
    await hold(name, client, 0, -1)


async def hold_socket(scope: Mapping[str, Any], held: list[str]) -> str | None:
    """Count a socket open for its address and its user (adding to ``held`` whom
    to ``release`` for); why it is one too many, if it is."""
    budgets = {"address": (address_key(scope), settings.SOCKETS_PER_ADDRESS)}
    if signed_in_user(scope) is not None:
        budgets["user"] = (client_key(scope), settings.SOCKETS_PER_USER)
    for whom, (key, most) in budgets.items():
        refusal = await hold("sockets", key, most)
        if refusal is not None:
            await log_refusal("sockets", refusal, key, scope["path"])
            return f"Too many open sockets ({most} per {whom}). Close one first."
        held.append(key)
    return None


async def log_refusal(what: str, refusal: Refusal, client: str, path: str) -> None:
    """Log a refusal once an hour per client and kind, not once per frame."""
    with contextlib.suppress(Exception):
        if await limiter().hit(RateLimitItemPerHour(1), "logged", what, client):
            logger.info(
                "Refusing %s of %s on %s: over %s", what, client, path, refusal.limit
            )


async def rate_limited(
    what: str, refusal: Refusal | None, client: str, path: str
) -> dict[str, Any]:
    """The payload of the ``error`` frame refusing ``what``, which is logged."""
    if refusal is None:
        return {"code": "rate_limited", "detail": f"{what}."}
    wait = refusal.retry_after
    await log_refusal(what, refusal, client, path)
    detail = f"{what} ({refusal.limit}). Try again in {wait} second{'s' * (wait != 1)}."
    return {"code": "rate_limited", "detail": detail, "retry_after": wait}


def client_key(scope: Mapping[str, Any]) -> str:
    """Whom a connection's events count for: its signed-in user, else its address."""
    user = signed_in_user(scope)
    return address_key(scope) if user is None else f"user:{user.pk}"


def login_address(request: Any) -> str:
    """The address django-axes counts failed logins for: as here, a /64 for IPv6."""
    key = address_key({"client": (request.META.get("REMOTE_ADDR", ""),)})
    return key.removeprefix("address:").split("/")[0]


class LoginGuard(AxesDatabaseHandler):  # type: ignore[misc]  # axes is untyped
    """Axes with a limit per account too: past AXES_ACCOUNT_FAILURE_LIMIT failures from
    anywhere, an account is locked out of all but the addresses it signed in from."""

    def get_failures(self, request: Any, credentials: Any = None) -> int:
        by_address, by_account = (  # in AXES_LOCKOUT_PARAMETERS' order
            int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)
            for attempts in self.get_user_attempts(request, credentials)
        )
        here = AccessLog.objects.filter(ip_address=request.axes_ip_address)
        known = here.filter(username=get_client_username(request, credentials))
        if by_account < settings.AXES_ACCOUNT_FAILURE_LIMIT or known.exists():
            return by_address
        return max(by_address, int(settings.AXES_FAILURE_LIMIT))  # axes: one limit


def address_key(scope: Mapping[str, Any]) -> str:
    """A connection's address; an IPv6 client's /64 network (it usually holds all)."""
    host = (scope.get("client") or ("unknown",))[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"address:{host}"
    if isinstance(address, ipaddress.IPv6Address):
        network = ipaddress.ip_network((address, 64), strict=False)
        return f"address:{address.ipv4_mapped or network}"
    return f"address:{address}"
