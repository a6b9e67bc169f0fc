"""core.limits: counts per key and period, shared through the cache."""

import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from core.limits import Limit, RateLimiter, client_key
from core.tests.sessions import make_user

# 15 s into a minute, and 3 h 15 s into a day (UTC).
START = 20_000 * 86400 + 3 * 3600 + 15


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limiter(*limits: Limit, clock: Clock | None = None, **kwargs: Any) -> RateLimiter:
    """A limiter of its own name, so no other test's counts are in its way."""
    return RateLimiter(uuid.uuid4().hex, limits, clock=clock or Clock(), **kwargs)


def test_allows_up_to_the_count_then_says_when_to_retry() -> None:
    per_minute = limiter(Limit(3, per_seconds=60))

    verdicts = [per_minute.check("someone") for _ in range(4)]

    assert [verdict.allowed for verdict in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 45
    assert verdicts[-1].refused_by == Limit(3, per_seconds=60)


def test_keys_are_counted_apart() -> None:
    per_minute = limiter(Limit(1, per_seconds=60))

    assert per_minute.check("one").allowed
    assert per_minute.check("two").allowed
    assert not per_minute.check("one").allowed


def test_a_new_window_starts_from_zero() -> None:
    clock = Clock()
    per_minute = limiter(Limit(1, per_seconds=60), clock=clock)
    assert per_minute.check("someone").allowed
    assert not per_minute.check("someone").allowed

    clock.now += 45

    assert per_minute.check("someone").allowed


def test_limiters_of_the_same_name_share_their_counts() -> None:
    """As server processes do: each builds its own limiter on the shared cache."""
    name = uuid.uuid4().hex
    first = RateLimiter(name, [Limit(2, per_seconds=60)], clock=Clock())
    second = RateLimiter(name, [Limit(2, per_seconds=60)], clock=Clock())

    assert first.check("someone").allowed
    assert second.check("someone").allowed
    assert not first.check("someone").allowed
    assert first.cache is caches["default"]


def test_a_refusal_by_the_shorter_period_spares_the_longer_one() -> None:
    clock = Clock()
    quota = limiter(Limit(3, per_seconds=86400), Limit(1, per_seconds=60), clock=clock)

    assert quota.check("someone").allowed
    for _ in range(5):
        verdict = quota.check("someone")
        assert verdict.refused_by == Limit(1, per_seconds=60)

    clock.now += 60
    assert quota.check("someone").allowed
    clock.now += 60
    assert quota.check("someone").allowed
    clock.now += 60
    verdict = quota.check("someone")
    assert verdict.refused_by == Limit(3, per_seconds=86400)
    assert verdict.retry_after == 86400 - (3 * 3600 + 15 + 180)


def test_a_count_of_zero_refuses_everything() -> None:
    assert not limiter(Limit(0, per_seconds=60)).check("someone").allowed


def test_a_cache_of_this_process_serves_counts_of_one_connection() -> None:
    name = uuid.uuid4().hex
    local = LocMemCache(name, {})
    per_second = RateLimiter(name, [Limit(2, per_seconds=1)], cache=local)
    shared = RateLimiter(name, [Limit(2, per_seconds=1)])

    assert [per_second.check("socket").allowed for _ in range(3)] == [
        True,
        True,
        False,
    ]
    assert shared.check("socket").allowed


def test_check_runs_off_the_event_loop_too() -> None:
    per_minute = limiter(Limit(1, per_seconds=60))

    first = async_to_sync(per_minute.acheck)("someone")
    second = async_to_sync(per_minute.acheck)("someone")

    assert (first.allowed, second.allowed) == (True, False)


@pytest.mark.parametrize(
    ("count", "per_seconds"), [(-1, 60), (1, 0), (1, -60)], ids=str
)
def test_a_limit_that_makes_no_sense_is_refused(count: int, per_seconds: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        Limit(count, per_seconds)


def test_periods_read_as_words() -> None:
    assert Limit(1, 60).period == "minute"
    assert Limit(1, 86400).period == "day"
    assert Limit(1, 90).period == "90 seconds"


def scope(host: str | None, user: User | None = None) -> dict[str, Any]:
    return {
        "client": None if host is None else (host, 51000),
        "user": user or AnonymousUser(),
    }


def test_visitors_count_per_address() -> None:
    assert client_key(scope("203.0.113.7")) == "address:203.0.113.7"
    assert client_key(scope("::ffff:203.0.113.7")) == "address:203.0.113.7"
    assert client_key(scope(None)) == "address:unknown"


def test_ipv6_visitors_count_per_64_network() -> None:
    one = client_key(scope("2001:db8:1:2::1"))
    same_network = client_key(scope("2001:db8:1:2:ffff::9"))
    other_network = client_key(scope("2001:db8:1:3::1"))

    assert one == same_network == "address:2001:db8:1:2::/64"
    assert other_network != one


@pytest.mark.django_db
def test_signed_in_users_count_per_user_wherever_they_are() -> None:
    user = make_user("counted")

    assert client_key(scope("203.0.113.7", user)) == f"user:{user.pk}"
    assert client_key(scope("198.51.100.1", user)) == f"user:{user.pk}"
